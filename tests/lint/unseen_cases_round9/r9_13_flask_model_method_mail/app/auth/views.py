from flask import Blueprint, request
from sqlalchemy import select

from app.extensions import db
from app.models import User

bp = Blueprint("auth", __name__)


@bp.post("/password-reset")
def request_password_reset():
    user = db.session.scalar(select(User).filter_by(email=request.form["email"]))
    if user is not None:
        user.start_password_reset()  # via-indirection
        db.session.commit()
    return "", 204
