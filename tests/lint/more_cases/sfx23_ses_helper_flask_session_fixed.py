# expect: none
# fixed shape for sfx23: the welcome mail waits for the commit
import boto3
from flask import Blueprint, jsonify, request

from app.extensions import db
from app.models import User

bp = Blueprint("signup", __name__)
ses = boto3.client("ses", region_name="eu-west-1")


def send_welcome(user):
    ses.send_email(
        Source="hello@example.invalid",
        Destination={"ToAddresses": [user.email]},
        Message={"Subject": {"Data": "Welcome"}, "Body": {"Text": {"Data": "Hi!"}}},
    )


@bp.route("/signup", methods=["POST"])
def signup():
    user = User(email=request.form["email"])
    db.session.add(user)
    db.session.commit()
    send_welcome(user)
    return jsonify(id=user.id), 201
