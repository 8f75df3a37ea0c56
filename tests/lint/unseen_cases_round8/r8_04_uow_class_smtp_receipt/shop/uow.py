from sqlalchemy.orm import Session, sessionmaker


class UnitOfWork:
    """Open one session and one transaction for each `with` block.

    The transaction commits when the block ends normally and rolls back when it raises.
    """

    def __init__(self, session_factory: sessionmaker[Session]):
        self._session_factory = session_factory

    def __enter__(self):
        self.session = self._session_factory()
        self._transaction = self.session.begin()
        return self

    def __exit__(self, exc_type, exc, tb):
        try:
            if exc_type is None:
                self._transaction.commit()
            else:
                self._transaction.rollback()
        finally:
            self.session.close()
