# expect: side-effect-in-transaction
# pattern: Flask-SQLAlchemy db.session: an HTTP call between the add() and the commit()
import requests
from flask import Flask, request

from app.extensions import db
from app.models import Signup

app = Flask(__name__)


@app.post("/signups")
def create_signup():
    signup = Signup(email=request.json["email"])
    db.session.add(signup)
    requests.post("https://crm.example.invalid/contacts", json={"email": signup.email}, timeout=5)  # expect-line
    db.session.commit()
    return {"ok": True}
