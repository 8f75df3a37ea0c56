# expect: side-effect-in-transaction
# pattern: the SMS helper runs inside the operation's transaction when run() calls it, but
#          a view also calls it through resend_notice() with no transaction open; the
#          fault is the call in run(), not the helper, which is right for the view
from twilio.rest import Client

from support.generated import ResolveTicketBase
from support.models import Ticket

sms = Client("AC-example", "token")


class ResolveTicket(ResolveTicketBase):
    def run(self, ctx, *, ticket_id, resolution):
        ticket = ctx.session.get(Ticket, ticket_id)
        ticket.state = "resolved"
        ticket.resolution = resolution
        self.text_requester(ticket)  # via-indirection
        return {"state": ticket.state}

    def resend_notice(self, ticket):
        self.text_requester(ticket)

    def text_requester(self, ticket):
        sms.messages.create(to=ticket.requester_phone, from_="+15550100", body=f"Ticket {ticket.id}: {ticket.resolution}")
