# expect: missing-lock
# pattern: a signup view checks that no user has the e-mail with filter_by().first()
#          and then inserts one; two requests for the same address both pass the check
from flask import Blueprint, jsonify, request

from app.extensions import db
from app.models import User

bp = Blueprint("accounts", __name__)


@bp.post("/signup")
def signup():
    email = request.json["email"].lower()
    if User.query.filter_by(email=email).first() is not None:  # expect-line
        return jsonify(error="email already registered"), 409
    user = User(email=email)
    db.session.add(user)
    db.session.commit()
    return jsonify(id=user.id), 201
