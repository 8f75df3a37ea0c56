# expect: forgotten-transaction
# pattern: in SQLAlchemy 1.4, Engine.execute() checks out a connection for each statement
#          and autocommits it, so requeueing the build and recording the retry event are
#          two commits. A failing INSERT leaves a requeued build with no event.
from sqlalchemy import create_engine, text

engine = create_engine("postgresql://ci@localhost/ci")


def retry_build(build_id, requested_by):
    engine.execute(  # expect-line
        text("UPDATE builds SET state = 'queued', attempt = attempt + 1 WHERE id = :id"),
        {"id": build_id},
    )
    engine.execute(
        text("INSERT INTO build_events (build_id, kind, actor) VALUES (:id, 'retry', :actor)"),
        {"id": build_id, "actor": requested_by},
    )
