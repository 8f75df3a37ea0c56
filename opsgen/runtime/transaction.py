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
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import Connection
from sqlalchemy.orm import Session, SessionTransaction

from opsgen.runtime.effects import PendingEffect
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

    def begin_savepoint(self) -> TransactionScope:
        """Open a savepoint on this scope's session and return its scope."""
        savepoint = self.session.begin_nested()
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
            self.session.commit()
            return
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
            self.session.rollback()
        elif self.savepoint.is_active:
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
