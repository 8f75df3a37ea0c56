# expect: forgotten-transaction
# pattern: a login writes the session hash, its TTL and the user's session index as
#          three commands. A crash in between leaves a session with no expiry, or one
#          that "log out everywhere" cannot find
import secrets

from redis import Redis

SESSION_TTL = 14 * 24 * 3600


def open_session(client: Redis, user_id: int, user_agent: str) -> str:
    token = secrets.token_urlsafe(32)
    client.hset(f"session:{token}", mapping={"user": user_id, "agent": user_agent})  # expect-line
    client.expire(f"session:{token}", SESSION_TTL)
    client.sadd(f"user:{user_id}:sessions", token)
    return token
