# expect: none
# fixed shape for r9_13: the model method only adds the token, and the view mails the
# link after db.session.commit()
import secrets
from datetime import datetime, timedelta, timezone

from flask import url_for
from flask_mail import Message

from app.extensions import db


class User(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    email = db.Column(db.String(255), unique=True, nullable=False)

    def start_password_reset(self):
        token = PasswordResetToken(
            user=self,
            value=secrets.token_urlsafe(32),
            expires_at=datetime.now(timezone.utc) + timedelta(hours=1),
        )
        db.session.add(token)
        return token

    def reset_message(self, token_value):
        link = url_for("auth.reset_password", token=token_value, _external=True)
        return Message("Reset your password", recipients=[self.email], body=link)


class PasswordResetToken(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id"), nullable=False)
    user = db.relationship(User)
    value = db.Column(db.String(64), unique=True, nullable=False)
    expires_at = db.Column(db.DateTime(timezone=True), nullable=False)
