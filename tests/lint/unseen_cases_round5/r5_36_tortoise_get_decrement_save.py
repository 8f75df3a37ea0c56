# expect: missing-lock
# pattern: Tortoise ORM: ticket loaded with get(), remaining decremented in Python and
#          saved; two buyers take the last ticket
from tortoise.transactions import in_transaction

from events.models import TicketType


async def buy_ticket(ticket_type_id: int) -> int:
    async with in_transaction():
        ticket_type = await TicketType.get(id=ticket_type_id)
        if ticket_type.remaining <= 0:
            raise ValueError("sold out")
        ticket_type.remaining -= 1  # expect-line
        await ticket_type.save(update_fields=["remaining"])
    return ticket_type.remaining
