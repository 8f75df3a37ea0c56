# expect: missing-lock
# pattern: Flask-SQLAlchemy Model.query.get() then points added in Python and committed
from app.extensions import db
from app.models import Player


def add_points(player_id, points):
    player = Player.query.get(player_id)
    player.score = player.score + points  # expect-line
    db.session.commit()
    return player.score
