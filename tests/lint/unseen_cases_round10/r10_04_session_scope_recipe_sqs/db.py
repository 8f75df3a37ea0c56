from contextlib import contextmanager

from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

engine = create_engine("postgresql+psycopg://media@localhost/media")
Session = sessionmaker(engine)


@contextmanager
def session_scope():
    """Yield a session, commit it when the block ends and roll it back on an error."""
    session = Session()
    try:
        yield session
        session.commit()
    except Exception:
        session.rollback()
        raise
    finally:
        session.close()
