# expect: forgotten-transaction
# pattern: Flask-SQLAlchemy registration commits the user, then commits the profile in a
#          second transaction; a failing profile insert leaves a user without a profile
from flask import Blueprint, jsonify, request

from app.extensions import db
from app.models import Profile, User

bp = Blueprint("register", __name__)


@bp.route("/register", methods=["POST"])
def register():
    user = User(email=request.form["email"])
    db.session.add(user)  # expect-line
    db.session.commit()
    db.session.add(Profile(user_id=user.id, display_name=request.form["name"]))
    db.session.commit()
    return jsonify(id=user.id), 201
