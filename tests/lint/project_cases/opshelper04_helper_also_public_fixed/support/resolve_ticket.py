# expect: none
# fixed shape for opshelper04: run() defers the helper until the commit; the view still
#          calls it directly, which is right there
from functools import partial

from twilio.rest import Client

from support.generated import ResolveTicketBase
from support.models import Ticket

sms = Client("AC-example", "token")


class ResolveTicket(ResolveTicketBase):
    def run(self, ctx, *, ticket_id, resolution):
        ticket = ctx.session.get(Ticket, ticket_id)
        ticket.state = "resolved"
        ticket.resolution = resolution
        ctx.after_commit(partial(self.text_requester, ticket))
        return {"state": ticket.state}

    def resend_notice(self, ticket):
        self.text_requester(ticket)

    def text_requester(self, ticket):
        sms.messages.create(to=ticket.requester_phone, from_="+15550100", body=f"Ticket {ticket.id}: {ticket.resolution}")
