# expect: side-effect-in-transaction
# pattern: the move is written in a savepoint (begin_nested); the publish follows the
#          savepoint's release, but the outer session transaction is still open
import json

import redis
from sqlalchemy.orm import Session

from boards.models import Card

bus = redis.Redis(host="127.0.0.1", port=6379)


def move_card(session: Session, card_id, column_id):
    with session.begin():
        card = session.get(Card, card_id)
        with session.begin_nested():
            card.column_id = column_id
        bus.publish("board-events", json.dumps({"card": card_id, "column": column_id}))  # expect-line
        card.board.touch()
