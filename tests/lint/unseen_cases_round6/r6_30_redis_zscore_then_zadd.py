# expect: missing-lock
# pattern: a leaderboard score read with ZSCORE and written back with ZADD computed in
#          Python; two concurrent awards lose one of the increments
import redis

board = redis.Redis(db=5)


def add_points(player, points):
    current = board.zscore("leaderboard", player) or 0  # expect-line
    board.zadd("leaderboard", {player: current + points})  # expect-line
    return current + points
