"""The service fixtures reach real servers (and so fail in CI when one is missing)."""

from __future__ import annotations


def test_postgres_answers(postgres_url: str) -> None:
    import sqlalchemy

    engine = sqlalchemy.create_engine(postgres_url)
    with engine.connect() as conn:
        assert conn.execute(sqlalchemy.text("SELECT 1")).scalar_one() == 1
    engine.dispose()


def test_redis_answers(redis_url: str) -> None:
    import redis

    assert redis.Redis.from_url(redis_url).ping() is True


def test_rabbitmq_answers(rabbitmq_url: str) -> None:
    import kombu

    with kombu.Connection(rabbitmq_url) as conn:
        conn.connect()
        assert conn.connected
