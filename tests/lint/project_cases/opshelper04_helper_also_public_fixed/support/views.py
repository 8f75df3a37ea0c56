from flask import Blueprint

from support.db import SessionLocal
from support.models import Ticket
from support.resolve_ticket import ResolveTicket

bp = Blueprint("support", __name__)


@bp.post("/tickets/<int:ticket_id>/resend")
def resend_resolution(ticket_id):
    with SessionLocal() as session:
        ticket = session.get(Ticket, ticket_id)
        ResolveTicket().resend_notice(ticket)
    return {"sent": True}
