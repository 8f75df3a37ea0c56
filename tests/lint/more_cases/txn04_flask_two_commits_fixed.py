# expect: none
# fixed shape for txn04: one flush gives the user its id, one commit stores both rows
from flask import Blueprint, jsonify, request

from app.extensions import db
from app.models import Profile, User

bp = Blueprint("register", __name__)


@bp.route("/register", methods=["POST"])
def register():
    user = User(email=request.form["email"])
    db.session.add(user)
    db.session.flush()
    db.session.add(Profile(user_id=user.id, display_name=request.form["name"]))
    db.session.commit()
    return jsonify(id=user.id), 201
