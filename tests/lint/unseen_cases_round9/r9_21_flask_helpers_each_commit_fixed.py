# expect: none
# fixed shape for r9_21: the helpers only flush, and the view commits once
from flask import Blueprint, jsonify, request

from app.extensions import db
from app.models import Membership, User, Workspace
from app.security import hash_password

bp = Blueprint("signup", __name__)


def add_user(email, password_hash):
    user = User(email=email, password_hash=password_hash)
    db.session.add(user)
    db.session.flush()
    return user


def add_workspace(name):
    workspace = Workspace(name=name)
    db.session.add(workspace)
    db.session.flush()
    return workspace


def add_membership(user, workspace, role):
    db.session.add(Membership(user=user, workspace=workspace, role=role))
    db.session.flush()


@bp.post("/signup")
def signup():
    data = request.get_json()
    user = add_user(data["email"], hash_password(data["password"]))
    workspace = add_workspace(f"{data['email']}'s workspace")
    add_membership(user, workspace, "owner")
    db.session.commit()
    return jsonify(id=user.id), 201
