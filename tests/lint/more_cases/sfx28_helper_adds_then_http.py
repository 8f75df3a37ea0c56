# expect: side-effect-in-transaction
# pattern: a helper adds the user to the Flask-SQLAlchemy session and returns; the view
#          then calls the CRM over HTTP before it commits, so the CRM may hear about a
#          user whose INSERT later fails on a duplicate e-mail
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
    requests.post("https://crm.invalid/contacts", json={"email": user.email}, timeout=5)  # expect-line
    db.session.commit()
    return {"id": user.id}, 201
