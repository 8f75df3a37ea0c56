# expect: missing-lock
from fastapi import APIRouter, Depends
from sqlmodel import Session

from .db import get_session
from .models import Player

router = APIRouter()


@router.post("/players/{player_id}/score")
def add_score(player_id: int, points: int, session: Session = Depends(get_session)) -> dict:
    player = session.get(Player, player_id)
    player.score = player.score + points  # expect-line
    session.add(player)
    session.commit()
    return {"score": player.score}
