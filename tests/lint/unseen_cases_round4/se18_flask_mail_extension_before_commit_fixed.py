# expect: none
# fixed shape: the row commits first, then the mail goes out
from flask import Blueprint, request
from flask_mail import Message

from app.extensions import db, mail
from app.models import Invite

bp = Blueprint("invites", __name__)


@bp.post("/invites")
def invite():
    invite = Invite(email=request.form["email"])
    db.session.add(invite)
    db.session.commit()
    mail.send(Message("You are invited", recipients=[invite.email]))
    return {"id": invite.id}, 201
