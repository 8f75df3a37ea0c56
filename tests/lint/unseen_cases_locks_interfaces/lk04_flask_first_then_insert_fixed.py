# expect: none
# fixed shape for lk04: the unique index on users.email decides, and the view turns the
# IntegrityError into a 409
from flask import Blueprint, jsonify, request
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import User

bp = Blueprint("accounts", __name__)


@bp.post("/signup")
def signup():
    email = request.json["email"].lower()
    user = User(email=email)
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return jsonify(error="email already registered"), 409
    return jsonify(id=user.id), 201
