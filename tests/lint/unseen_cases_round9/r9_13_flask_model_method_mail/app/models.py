# expect: side-effect-in-transaction
# pattern: a model method adds the reset token to the session and mails it. The view
#          calls it before db.session.commit(), so a failed commit leaves a mailed token
#          that does not exist
import secrets
from datetime import datetime, timedelta, timezone

from flask import url_for
from flask_mail import Message

from app.extensions import db, mail


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
        link = url_for("auth.reset_password", token=token.value, _external=True)
        mail.send(Message("Reset your password", recipients=[self.email], body=link))  # expect-line
        return token


class PasswordResetToken(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id"), nullable=False)
    user = db.relationship(User)
    value = db.Column(db.String(64), unique=True, nullable=False)
    expires_at = db.Column(db.DateTime(timezone=True), nullable=False)
