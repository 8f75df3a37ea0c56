# expect: none
# fixed shape: ZINCRBY changes the score in one atomic command
import redis

board = redis.Redis(db=5)


def add_points(player, points):
    return board.zincrby("leaderboard", points, player)
