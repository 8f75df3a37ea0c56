# expect: none
import requests
from flask import Flask, request

from app.extensions import db
from app.models import Signup

app = Flask(__name__)


@app.post("/signups")
def create_signup():
    signup = Signup(email=request.json["email"])
    db.session.add(signup)
    db.session.commit()
    requests.post("https://crm.example.invalid/contacts", json={"email": signup.email}, timeout=5)
    return {"ok": True}
