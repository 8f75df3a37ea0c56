# expect: missing-lock
# pattern: an upvote adds one to the score loaded into Python and commits that value, so
#          votes cast at the same time overwrite each other
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
    post.score += 1  # expect-line
    db.session.commit()
    return jsonify(score=post.score)
