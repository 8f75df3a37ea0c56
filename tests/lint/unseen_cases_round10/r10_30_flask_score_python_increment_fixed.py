# expect: none
# fixed shape for r10_30: the increment is a SQL expression, so the UPDATE reads
#          "score = score + 1" and the database applies it to the current value
from flask import Blueprint, jsonify
from flask_login import current_user, login_required

from forum.extensions import db
from forum.models import Post, Vote

bp = Blueprint("votes", __name__)


@bp.post("/posts/<int:post_id>/upvote")
@login_required
def upvote(post_id):
    post = db.get_or_404(Post, post_id)
    db.session.add(Vote(post_id=post.id, user_id=current_user.id, value=1))
    post.score = Post.score + 1
    db.session.commit()
    return jsonify(score=post.score)
