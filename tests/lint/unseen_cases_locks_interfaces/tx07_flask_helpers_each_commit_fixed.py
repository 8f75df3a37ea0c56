# expect: none
# fixed shape for tx07: the helpers flush, and the route commits both rows once
from flask import Blueprint, jsonify, request

from app.extensions import db
from app.models import User, Wallet

bp = Blueprint("users", __name__)


def create_user(email):
    user = User(email=email)
    db.session.add(user)
    db.session.flush()
    return user


def create_wallet(user):
    wallet = Wallet(user_id=user.id, balance=0)
    db.session.add(wallet)
    db.session.flush()
    return wallet


@bp.post("/users")
def register():
    user = create_user(request.json["email"])
    create_wallet(user)
    db.session.commit()
    return jsonify(id=user.id), 201
