# expect: none
# fixed shape: both statements run on one connection in one engine.begin() transaction
from sqlalchemy import create_engine, text

engine = create_engine("postgresql://ci@localhost/ci")


def retry_build(build_id, requested_by):
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE builds SET state = 'queued', attempt = attempt + 1 WHERE id = :id"),
            {"id": build_id},
        )
        connection.execute(
            text("INSERT INTO build_events (build_id, kind, actor) VALUES (:id, 'retry', :actor)"),
            {"id": build_id, "actor": requested_by},
        )
