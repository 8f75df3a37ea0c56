# expect: forgotten-transaction
# pattern: each repository helper commits on its own, and sign-up calls three of them.
#          A failure in the second leaves a user without a workspace, and the address
#          cannot sign up again
from flask import Blueprint, jsonify, request

from app.extensions import db
from app.models import Membership, User, Workspace
from app.security import hash_password

bp = Blueprint("signup", __name__)


def add_user(email, password_hash):
    user = User(email=email, password_hash=password_hash)
    db.session.add(user)
    db.session.commit()
    return user


def add_workspace(name):
    workspace = Workspace(name=name)
    db.session.add(workspace)
    db.session.commit()
    return workspace


def add_membership(user, workspace, role):
    db.session.add(Membership(user=user, workspace=workspace, role=role))
    db.session.commit()


@bp.post("/signup")
def signup():
    data = request.get_json()
    user = add_user(data["email"], hash_password(data["password"]))  # expect-line
    workspace = add_workspace(f"{data['email']}'s workspace")
    add_membership(user, workspace, "owner")
    return jsonify(id=user.id), 201
