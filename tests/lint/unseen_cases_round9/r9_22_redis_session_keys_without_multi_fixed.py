# expect: none
# fixed shape for r9_22: the three commands run in one MULTI/EXEC
import secrets

from redis import Redis

SESSION_TTL = 14 * 24 * 3600


def open_session(client: Redis, user_id: int, user_agent: str) -> str:
    token = secrets.token_urlsafe(32)
    with client.pipeline(transaction=True) as pipe:
        pipe.hset(f"session:{token}", mapping={"user": user_id, "agent": user_agent})
        pipe.expire(f"session:{token}", SESSION_TTL)
        pipe.sadd(f"user:{user_id}:sessions", token)
        pipe.execute()
    return token
