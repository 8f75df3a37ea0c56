# expect: none
# The quote is read before the transaction, and the row is locked only for the write.
from sqlalchemy.orm import Session

from portfolio.models import Position
from quotes import fetch_quote


def revalue(session: Session, position_id: int, symbol: str) -> None:
    price = fetch_quote(symbol)
    with session.begin():
        position = session.get(Position, position_id, with_for_update=True)
        position.value = position.units * price
