# expect: none
# fixed shape: a conditional UPDATE with F() both checks and decrements
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from events.models import TicketType


async def buy_ticket(ticket_type_id: int) -> int:
    async with in_transaction():
        updated = await TicketType.filter(id=ticket_type_id, remaining__gt=0).update(
            remaining=F("remaining") - 1
        )
        if not updated:
            raise ValueError("sold out")
        ticket_type = await TicketType.get(id=ticket_type_id)
    return ticket_type.remaining
