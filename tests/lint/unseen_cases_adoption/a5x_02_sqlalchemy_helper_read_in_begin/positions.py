# expect: side-effect-in-transaction
# expect-message: make the request before the transaction opens
# A helper reads a quote over HTTP inside session.begin(), and the value it returns
# goes into the row. Moving the read after the commit is impossible; it must come first.
from sqlalchemy.orm import Session

from portfolio.models import Position
from quotes import fetch_quote


def revalue(session: Session, position_id: int) -> None:
    with session.begin():
        position = session.get(Position, position_id, with_for_update=True)
        price = fetch_quote(position.symbol)  # via-indirection
        position.value = position.units * price
