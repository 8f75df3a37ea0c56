# expect: side-effect-in-transaction
# pattern: a Flask-SQLAlchemy view flushes the new user, then calls a model method that
#          sends the confirmation mail through Flask-Mail before db.session.commit(); a
#          failed commit leaves a confirmation link for a user that does not exist
from flask import Blueprint, current_app, jsonify, request
from flask_mail import Message
from itsdangerous import URLSafeTimedSerializer
from werkzeug.security import generate_password_hash

from accounts.extensions import db, mail
from accounts.models import AuditLog

bp = Blueprint("accounts", __name__)


class User(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    email = db.Column(db.String(254), unique=True, nullable=False)
    password_hash = db.Column(db.String(255), nullable=False)
    confirmed = db.Column(db.Boolean, default=False, nullable=False)

    def send_confirmation(self):
        serializer = URLSafeTimedSerializer(current_app.config["SECRET_KEY"])
        token = serializer.dumps(self.id, salt="confirm-email")
        message = Message(
            "Confirm your account",
            recipients=[self.email],
            body=f"Open {current_app.config['SITE_URL']}/confirm/{token} to confirm.",
        )
        mail.send(message)  # expect-line


@bp.post("/register")
def register():
    user = User(email=request.json["email"], password_hash=generate_password_hash(request.json["password"]))
    db.session.add(user)
    db.session.flush()
    user.send_confirmation()  # via-indirection
    db.session.add(AuditLog(user_id=user.id, action="registered", ip=request.remote_addr))
    db.session.commit()
    return jsonify(id=user.id), 201
