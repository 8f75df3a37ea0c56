"""Transaction scopes: the outermost transaction of a call tree and its savepoints.

An operation declared with ``transaction:`` opens the outermost transaction when no
transaction is open, on a new :class:`~sqlalchemy.orm.Session`. Called inside another
operation's transaction it either joins it, sharing the session and the fate of every
write, or takes a savepoint, so that its own failure rolls back only its own writes.

A joined operation cannot undo its writes alone. When it fails, the scope it joined is
marked rollback-only. The owner of that scope is the operation that opened the
savepoint or the outermost transaction. It then rolls back instead of committing and
fails with ``transaction_rolled_back``, even if its own code returned normally.

Each scope also holds what must wait for the outcome: the effects requested inside it
and the execution records written through it. A released savepoint hands both to the
enclosing scope. A rollback returns them: the effects are dropped and the records are
written again, because the rollback removed their rows.

The outermost scope also keeps the locks of the calls that ran inside its transaction. A nested call's writes become visible only at the outermost
commit, so its locks must be held until then: released when the nested call returned,
they would let another process read the rows it wrote as they were before.

Only the runtime ends these transactions. Operation code that calls
``ctx.session.commit()`` gets :class:`~opsgen.runtime.errors.TransactionOwnedError`, as
Django raises inside ``atomic``. Such a commit would make the writes permanent before
the call's record and durable effects, so a later failure could not undo them. A
``ctx.session.rollback()`` in operation code undoes the whole transaction, including
what joined calls wrote, so the call fails with ``transaction_rolled_back``. Savepoints
that operation code opens itself (``with ctx.session.begin_nested():``) commit and roll
back freely.
"""

from __future__ import annotations

import logging
import weakref
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, event
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from opsgen.runtime.effects import PendingEffect
from opsgen.runtime.errors import TransactionOwnedError
from opsgen.runtime.locks.base import HeldLocks
from opsgen.runtime.outer_transaction import OuterTransaction
from opsgen.runtime.store import ExecutionRecord

logger = logging.getLogger(__name__)

#: Isolation names of the spec format, as SQLAlchemy's ``isolation_level`` spells them.
ISOLATION_LEVELS = {
    "read_committed": "READ COMMITTED",
    "repeatable_read": "REPEATABLE READ",
    "serializable": "SERIALIZABLE",
}


# Keys in ``Session.info`` of a session whose transaction an operation scope owns: the
# transaction the runtime is ending now, the savepoints it opened, and the message of a
# rollback that operation code made.
_OWNED = "opsgen.owned"
_ENDING = "opsgen.ending"
_SAVEPOINTS = "opsgen.savepoints"
_ROLLED_BACK_BY_CODE = "opsgen.rolled_back_by_code"


def guard_sessions(factory: sessionmaker[Session]) -> None:
    """Make the sessions of ``factory`` reject commits and report rollbacks by operation code.

    Only sessions that an operation scope owns are guarded; others commit as usual.
    ``event.contains`` cannot tell whether ``factory`` is guarded already: SQLAlchemy
    keys class listeners by ``id()``, and a new factory's session class may reuse the
    address of a collected one, whose registration is never forgotten.
    """
    if factory in _guarded_factories:
        return
    event.listen(factory, "before_commit", _reject_foreign_commit)
    event.listen(factory, "after_soft_rollback", _note_foreign_rollback)
    _guarded_factories.add(factory)


_guarded_factories: weakref.WeakSet[sessionmaker[Session]] = weakref.WeakSet()


def _ended_by_code(session: Session, transaction: SessionTransaction | None) -> bool:
    """Return whether ``transaction`` is one of the scope's own and the runtime is not ending it.

    While the runtime ends the outermost transaction, every level under it ends with it.
    """
    ending = session.info.get(_ENDING)
    if transaction is None or transaction is ending or (ending is not None and not ending.nested):
        return False
    return not transaction.nested or any(transaction is own for own in session.info[_SAVEPOINTS])


def _reject_foreign_commit(session: Session) -> None:
    if _OWNED not in session.info:
        return
    if _ended_by_code(session, session.get_nested_transaction() or session.get_transaction()):
        raise TransactionOwnedError(
            "ctx.session.commit() in an operation with a transaction: opsgen commits it when run() "
            "returns, after the execution record and the durable effects. Return instead; for a part "
            "that may fail on its own, use `with ctx.session.begin_nested():`, or split the work into "
            "operations that each have their own transaction"
        )


def _note_foreign_rollback(session: Session, previous: SessionTransaction) -> None:
    if _OWNED in session.info and _ended_by_code(session, previous):
        session.info.setdefault(
            _ROLLED_BACK_BY_CODE,
            "operation code called ctx.session.rollback(), which rolled back the operation's whole transaction; "
            "to undo one statement that may fail, run it in `with ctx.session.begin_nested():`",
        )


def own_session(session: Session) -> None:
    """Mark ``session`` as one whose transaction an operation scope owns (see :func:`guard_sessions`)."""
    session.info[_OWNED] = True
    session.info[_SAVEPOINTS] = []


def rolled_back_by_code(session: Session) -> str | None:
    """Return why operation code rolled back the scope's transaction, or ``None`` when it did not."""
    message: str | None = session.info.pop(_ROLLED_BACK_BY_CODE, None)
    return message


class _Ending:
    """Mark ``transaction`` as ended by the runtime for the duration of a ``with`` block."""

    def __init__(self, session: Session, transaction: SessionTransaction | None) -> None:
        self.session = session
        self.transaction = transaction

    def __enter__(self) -> None:
        self.session.info[_ENDING] = self.transaction

    def __exit__(self, *_exc: Any) -> None:
        self.session.info.pop(_ENDING, None)


@dataclass(eq=False)
class RollbackCause:
    """Why a scope must roll back: the joined execution that failed, and its error code."""

    execution_id: str
    operation: str
    code: str
    message: str


@dataclass(eq=False)
class TransactionScope:
    """One level of transaction: the outermost transaction (no ``savepoint``) or a savepoint."""

    session: Session
    parent: TransactionScope | None = None
    savepoint: SessionTransaction | None = None
    effects: list[PendingEffect] = field(default_factory=list)
    records: list[ExecutionRecord] = field(default_factory=list)
    dropped: list[tuple[PendingEffect, str]] = field(default_factory=list)
    rollback_cause: RollbackCause | None = None

    #: The connection of the outermost transaction, kept once known: asking the session
    #: again on every record write costs more than the write's own statement building.
    bound: Connection | None = None

    #: On the outermost scope: the locks of nested calls, held until the transaction
    #: ends, and their keys, which later calls in it do not take again.
    kept_locks: list[HeldLocks] | None = None
    kept_lock_keys: frozenset[str] = frozenset()

    @property
    def connection(self) -> Connection:
        """The connection the session's transaction runs on; savepoints share it."""
        if self.bound is None:
            self.bound = self.session.connection()
        return self.bound

    @property
    def outermost(self) -> TransactionScope:
        """The scope of the outermost transaction."""
        scope = self
        while scope.parent is not None:
            scope = scope.parent
        return scope

    def keep_locks(self, locks: HeldLocks) -> None:
        """Hold ``locks`` until the outermost transaction ends."""
        outermost = self.outermost
        if outermost.kept_locks is None:
            outermost.kept_locks = []
        outermost.kept_locks.append(locks)
        outermost.kept_lock_keys = outermost.kept_lock_keys | frozenset(locks.keys)

    def release_locks(self, keeper: OuterTransaction | None = None) -> None:
        """Release the kept locks, newest first, once the outermost transaction has ended.

        ``keeper``, given after a commit, takes the locks instead when that commit was
        only a savepoint of a transaction the runtime does not own (a Django ``atomic``
        block that the application opened). A release that fails is logged and left to
        its lease, so that it cannot turn a commit that has happened into an error.
        """
        kept, self.kept_locks = self.kept_locks, None
        self.kept_lock_keys = frozenset()
        for locks in reversed(kept or ()):
            if keeper is not None and keeper.keep(locks):
                continue
            try:
                locks.release()
            except Exception:  # noqa: BLE001 - the lease frees what could not be released
                logger.exception("releasing lock(s) %s of execution %s failed", ", ".join(locks.keys), locks.owner)

    def end_by_rollback(self) -> None:
        """Roll back the outermost transaction as the runtime, not as operation code."""
        with _Ending(self.session, self.session.get_transaction()):
            self.session.rollback()

    def begin_savepoint(self) -> TransactionScope:
        """Open a savepoint on this scope's session and return its scope."""
        savepoint = self.session.begin_nested()
        self.session.info.setdefault(_SAVEPOINTS, []).append(savepoint)
        return TransactionScope(self.session, parent=self, savepoint=savepoint, bound=self.bound)

    def mark_rollback_only(self, cause: RollbackCause) -> None:
        """Make the owner of this scope roll back; the first cause is kept."""
        if self.rollback_cause is None:
            self.rollback_cause = cause

    def drop_effects_of(self, execution_id: str, reason: str) -> None:
        """Drop the effects requested by ``execution_id`` or its descendants, with ``reason``."""
        kept: list[PendingEffect] = []
        for effect in self.effects:
            if execution_id in effect.lineage:
                self.dropped.append((effect, reason))
            else:
                kept.append(effect)
        self.effects = kept

    def commit(self) -> None:
        """Release the savepoint into the enclosing scope, or commit the outermost transaction."""
        if self.savepoint is None:
            with _Ending(self.session, self.session.get_transaction()):
                self.session.commit()
            return
        with _Ending(self.session, self.savepoint):
            self.savepoint.commit()
        assert self.parent is not None
        self.parent.effects.extend(self.effects)
        self.parent.records.extend(self.records)
        self.parent.dropped.extend(self.dropped)
        self.effects = []
        self.records = []
        self.dropped = []

    def rollback(self, reason: str) -> list[ExecutionRecord]:
        """Roll back this level; return the records whose rows the rollback removed.

        The effects of this level are dropped with ``reason`` and collected on the
        outermost scope, which records them once its transaction has ended.
        """
        if self.savepoint is None:
            self.end_by_rollback()
        elif self.savepoint.is_active:
            with _Ending(self.session, self.savepoint):
                self.savepoint.rollback()

        outermost = self.outermost
        outermost_dropped = outermost.dropped
        if outermost is not self:
            outermost_dropped.extend(self.dropped)
            self.dropped = []
        outermost_dropped.extend((effect, reason) for effect in self.effects)
        self.effects = []

        lost, self.records = self.records, []
        return lost
