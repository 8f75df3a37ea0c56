# expect: none
# fixed shape: push after the commit
from firebase_admin import messaging
from flask import Blueprint, jsonify, request

from app.extensions import db
from app.models import Comment

bp = Blueprint("comments", __name__)


@bp.post("/posts/<int:post_id>/comments")
def add_comment(post_id):
    comment = Comment(post_id=post_id, body=request.json["body"], author_id=request.json["author"])
    db.session.add(comment)
    db.session.commit()
    message = messaging.Message(topic=f"post-{post_id}", data={"kind": "comment"})
    messaging.send(message)
    return jsonify(id=comment.id), 201
