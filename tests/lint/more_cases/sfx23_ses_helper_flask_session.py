# expect: side-effect-in-transaction
# pattern: Flask-SQLAlchemy route: the user row is added, a helper sends the welcome mail
#          through SES, then db.session.commit() runs and can still fail on a duplicate
import boto3
from flask import Blueprint, jsonify, request

from app.extensions import db
from app.models import User

bp = Blueprint("signup", __name__)
ses = boto3.client("ses", region_name="eu-west-1")


def send_welcome(user):
    ses.send_email(  # expect-line
        Source="hello@example.invalid",
        Destination={"ToAddresses": [user.email]},
        Message={"Subject": {"Data": "Welcome"}, "Body": {"Text": {"Data": "Hi!"}}},
    )


@bp.route("/signup", methods=["POST"])
def signup():
    user = User(email=request.form["email"])
    db.session.add(user)
    send_welcome(user)  # via-indirection
    db.session.commit()
    return jsonify(id=user.id), 201
