# expect: side-effect-in-transaction
# pattern: Flask-Mail's extension object, created as mail = Mail() in a module that is
#          not shown, sends the invitation after db.session.add() and before commit();
#          a failing commit leaves an invitation mailed for a row that never existed
from flask import Blueprint, request
from flask_mail import Message

from app.extensions import db, mail
from app.models import Invite

bp = Blueprint("invites", __name__)


@bp.post("/invites")
def invite():
    invite = Invite(email=request.form["email"])
    db.session.add(invite)
    mail.send(Message("You are invited", recipients=[invite.email]))  # expect-line
    db.session.commit()
    return {"id": invite.id}, 201
