# expect: none
# fixed shape for sfx12: the publish waits for the outer transaction to commit
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
        card.board.touch()
    bus.publish("board-events", json.dumps({"card": card_id, "column": column_id}))
