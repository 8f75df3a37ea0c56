from contextlib import contextmanager

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

engine = create_engine("postgresql+psycopg://shop@localhost/shop")


@contextmanager
def unit_of_work():
    """Yield a session that is committed when the block ends, or rolled back on an error."""
    session = Session(engine)
    try:
        yield session
        session.commit()
    except Exception:
        session.rollback()
        raise
    finally:
        session.close()
