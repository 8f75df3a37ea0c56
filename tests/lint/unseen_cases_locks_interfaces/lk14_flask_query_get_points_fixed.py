# expect: none
# fixed shape for lk14: a query-level update adds the points in SQL
from app.extensions import db
from app.models import Player


def add_points(player_id, points):
    Player.query.filter_by(id=player_id).update({Player.score: Player.score + points})
    db.session.commit()
    return db.session.get(Player, player_id).score
