# expect: side-effect-in-transaction
import transaction
from pyramid_mailer import get_mailer
from pyramid_mailer.message import Message

from .models import Signup


def confirm_signup(request, token: str) -> None:
    mailer = get_mailer(request)
    with transaction.manager:
        signup = request.dbsession.query(Signup).filter_by(token=token).one()
        signup.confirmed = True
        message = Message(subject="Confirmed", recipients=[signup.email], body="You are in.")
        mailer.send_immediately(message)  # expect-line
