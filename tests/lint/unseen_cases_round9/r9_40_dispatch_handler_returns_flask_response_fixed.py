# expect: none
# fixed shape for r9_40: close_board() raises CommandRejected like the other handlers
from sqlalchemy import func, select

from app.extensions import db
from app.models import Board, Card


class CommandRejected(Exception):
    def __init__(self, reason: str, status: int = 409) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


def create_card(board, payload):
    if board.closed:
        raise CommandRejected(f"board {board.id} is closed")
    card = Card(board_id=board.id, title=payload["title"], done=False)
    db.session.add(card)
    return card


def rename_card(board, payload):
    card = db.session.get(Card, payload["card_id"])
    if card is None or card.board_id != board.id:
        raise CommandRejected(f"card {payload['card_id']} is not on board {board.id}", status=404)
    card.title = payload["title"]
    return card


def close_board(board, payload):
    open_cards = db.session.scalar(
        select(func.count()).select_from(Card).where(Card.board_id == board.id, Card.done.is_(False))
    )
    if open_cards:
        raise CommandRejected(f"board {board.id} has {open_cards} open cards")
    board.closed = True
    return board


HANDLERS = {
    "create_card": create_card,
    "rename_card": rename_card,
    "close_board": close_board,
}


def dispatch(board_id, command, payload):
    board = db.session.get(Board, board_id, with_for_update=True)
    if board is None:
        raise CommandRejected(f"board {board_id} not found", status=404)
    result = HANDLERS[command](board, payload)
    db.session.commit()
    return result
