# expect: none
# fixed shape for sfx28: the view commits before it calls the CRM
import requests
from flask import Blueprint, request

from app.extensions import db
from app.models import User

bp = Blueprint("accounts", __name__)


def create_user(email, name):
    user = User(email=email, name=name)
    db.session.add(user)
    return user


@bp.post("/accounts")
def signup():
    user = create_user(request.form["email"], request.form["name"])
    db.session.commit()
    requests.post("https://crm.invalid/contacts", json={"email": user.email}, timeout=5)
    return {"id": user.id}, 201
