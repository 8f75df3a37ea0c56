# expect: side-effect-in-transaction
# pattern: Flask-SQLAlchemy route sends a Firebase push after db.session.add() and before
#          db.session.commit(); a failed commit leaves users notified of nothing
from firebase_admin import messaging
from flask import Blueprint, jsonify, request

from app.extensions import db
from app.models import Comment

bp = Blueprint("comments", __name__)


@bp.post("/posts/<int:post_id>/comments")
def add_comment(post_id):
    comment = Comment(post_id=post_id, body=request.json["body"], author_id=request.json["author"])
    db.session.add(comment)
    message = messaging.Message(topic=f"post-{post_id}", data={"kind": "comment"})
    messaging.send(message)  # expect-line
    db.session.commit()
    return jsonify(id=comment.id), 201
