# expect: forgotten-transaction
# pattern: two helpers each commit their own row and the route calls both; a failing
#          wallet insert leaves a user with no wallet
from flask import Blueprint, jsonify, request

from app.extensions import db
from app.models import User, Wallet

bp = Blueprint("users", __name__)


def create_user(email):
    user = User(email=email)
    db.session.add(user)
    db.session.commit()
    return user


def create_wallet(user):
    wallet = Wallet(user_id=user.id, balance=0)
    db.session.add(wallet)
    db.session.commit()
    return wallet


@bp.post("/users")
def register():
    user = create_user(request.json["email"])  # expect-line
    create_wallet(user)
    return jsonify(id=user.id), 201
