"""What operation code sees while it runs: :class:`ExecutionContext`.

The pipeline builds one execution context per call and passes it to ``run``. It
carries the execution id, the caller's :class:`~opsgen.runtime.context.Context`, the
transaction's session, and the ways to request work after the commit. Passing it to
another operation's handle nests that call: the parent id is set and the transaction
is joined or savepointed. The current execution is also kept in a context variable,
so a nested call links to its parent even when code passes the outer plain
``Context``.
"""

from __future__ import annotations

import contextvars
import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel
from sqlalchemy.orm import Session

from opsgen.runtime.callbacks import callback_payload
from opsgen.runtime.context import STANDARD_KEYS, Context, current_context
from opsgen.runtime.declarations import EffectDeclaration, OperationDeclaration, RetryPolicy
from opsgen.runtime.effects import CALLBACK_KIND, CALLBACK_RETRY, EffectCall, PendingEffect
from opsgen.runtime.errors import NoTransactionError
from opsgen.runtime.progress import Progress
from opsgen.runtime.redaction import redact, scrub_any
from opsgen.runtime.store import ExecutionRecord, utcnow

if TYPE_CHECKING:
    from opsgen.runtime.locks.base import HeldLocks
    from opsgen.runtime.runtime import Runtime
    from opsgen.runtime.transaction import TransactionScope


@dataclass(frozen=True)
class ExecutionInfo:
    """The identity of an execution, as given to ``on_transaction_begin`` hooks."""

    execution_id: str
    operation: str
    context: Context
    parent_execution_id: str | None
    root_execution_id: str
    #: Audited entities the operation declares it changes (its spec's ``audit.changes``).
    audit_changes: tuple[str, ...] = ()


class ExecutionContext:
    """The handle operation code gets to its own execution.

    Not thread-safe: it belongs to the thread that runs the operation, like the
    session it hands out.
    """

    __slots__ = (
        "execution_id", "context", "declaration", "runtime", "parent", "lineage",
        "record", "scope", "secrets", "held_lock_keys", "held_guards", "_effects", "_logger", "_progress", "__weakref__",
    )

    def __init__(
        self,
        runtime: Runtime,
        declaration: OperationDeclaration,
        context: Context,
        parent: ExecutionContext | None,
        *,
        execution_id: str | None = None,
    ) -> None:
        self.execution_id = execution_id or str(uuid.uuid4())
        self.context = context
        self.declaration = declaration
        self.runtime = runtime
        self.parent = parent
        self.lineage: tuple[str, ...] = (
            (*parent.lineage, self.execution_id) if parent is not None else (self.execution_id,)
        )
        self.record: ExecutionRecord | None = None
        #: The transaction scope this execution writes through: its own, the one it
        #: joined, or the caller's when it has no transaction; ``None`` outside any.
        self.scope: TransactionScope | None = parent.scope if parent is not None else None
        #: Text of the sensitive input values, removed from log messages and errors.
        self.secrets: tuple[str, ...] = ()
        #: Lock keys held by this execution or an ancestor; a nested call does not take them again.
        self.held_lock_keys: frozenset[str] = parent.held_lock_keys if parent is not None else frozenset()
        #: Locks and singleton claims taken anywhere in this call tree, shared with the
        #: root, so the outermost commit can refuse to commit writes made under a lost lock.
        self.held_guards: list[HeldLocks] = parent.held_guards if parent is not None else []
        #: Effects requested while no transaction is open; they run when this call succeeds.
        self._effects: list[PendingEffect] = []
        self._logger: logging.LoggerAdapter[logging.Logger] | None = None
        self._progress: Progress | None = None

    @property
    def root_execution_id(self) -> str:
        """Id of the outermost execution of this call tree."""
        return self.lineage[0]

    @property
    def parent_execution_id(self) -> str | None:
        """Id of the calling execution, ``None`` for a top-level call.

        A queued execution has its caller in another process: the id then comes from
        the record the caller wrote.
        """
        if self.parent is not None:
            return self.parent.execution_id
        return self.record.parent_id if self.record is not None else None

    @property
    def actor(self) -> str | None:
        """The context's actor."""
        return self.context.actor

    @property
    def organization(self) -> str | None:
        """The context's organization."""
        return self.context.organization

    @property
    def request_id(self) -> str | None:
        """The context's request id."""
        return self.context.request_id

    @property
    def session(self) -> Session:
        """The SQLAlchemy session of this operation's transaction.

        Raises :class:`NoTransactionError` when the operation declares no transaction.
        """
        if self.declaration.transaction is None or self.scope is None:
            raise NoTransactionError(
                f"operation {self.declaration.name} declares no transaction, so it has no "
                "session; add `transaction: true` to its spec and regenerate"
            )
        return self.scope.session

    @property
    def logger(self) -> logging.LoggerAdapter[logging.Logger]:
        """A logger named for the operation whose records carry the execution id."""
        if self._logger is None:
            base = logging.getLogger(f"opsgen.operations.{self.declaration.name}")
            self._logger = logging.LoggerAdapter(
                base, {"execution_id": self.execution_id, "operation": self.declaration.name}
            )
        return self._logger

    @property
    def progress(self) -> Progress:
        """The progress counter of this execution (``set_total``, ``advance``).

        Progress is stored outside the operation's transaction, at most twice a second,
        so other processes can read it while the call runs: on SQLite in the live file
        (:mod:`opsgen.runtime.live`), elsewhere on the execution record.
        """
        if self._progress is None:
            writer = self.runtime.store.progress_writer(self.execution_id) if self.runtime.log_enabled else None
            self._progress = Progress(writer)
        return self._progress

    def close_progress(self) -> None:
        """Write the last progress state and copy it to the record; called by the pipeline."""
        if self._progress is None:
            return
        self._progress.close()
        if self.record is not None:
            self.record.progress = self._progress.snapshot()

    def info(self) -> ExecutionInfo:
        """Return the identity of this execution."""
        return ExecutionInfo(
            self.execution_id,
            self.declaration.name,
            self.context,
            self.parent_execution_id,
            self.root_execution_id,
            self.declaration.audit_changes,
        )

    def effect(self, name: str, payload: Mapping[str, Any] | BaseModel) -> None:
        """Request the declared effect ``name`` with ``payload``, to run after the outermost commit.

        Raises ``KeyError`` for an effect the operation does not declare and
        :class:`~opsgen.runtime.errors.EffectHandlerMissing` when no handler is registered.
        """
        declared = self._declared_effect(name)
        handler = self.runtime.resolve_effect_handler(declared.name, declared.kind, self.declaration.name)
        data = payload.model_dump(mode="json", by_alias=True) if isinstance(payload, BaseModel) else dict(payload)
        sensitive = self.declaration.sensitive_under("side_effects", declared.name, "payload")
        shown = scrub_any(redact(data, sensitive), self.secrets)
        self._request(declared.name, declared.kind, declared.durable, data, shown, declared.retry, handler)

    def after_commit(self, fn: Callable[..., object], *args: Any, **kwargs: Any) -> None:
        """Call ``fn(*args, **kwargs)`` once after the outermost commit.

        The call is dropped when the transaction rolls back or this operation fails.
        Without a transaction it runs when this operation succeeds. It runs once, with
        no retry; an exception it raises is logged and recorded, never raised.

        The effect row is named for the function that runs (the one a
        ``functools.partial`` wraps), and its payload shows the arguments with the
        execution's sensitive input values scrubbed (see :mod:`opsgen.runtime.callbacks`).
        """
        shown = callback_payload(fn, args, kwargs, self.secrets)

        def run_callback(_call: EffectCall) -> object:
            return fn(*args, **kwargs)

        self._request(shown["function"], CALLBACK_KIND, False, {}, shown, CALLBACK_RETRY, run_callback)

    def request_effect(
        self,
        name: str,
        kind: str,
        payload: dict[str, Any],
        handler: Callable[[EffectCall], object],
        *,
        durable: bool = False,
        shown: dict[str, Any] | None = None,
        retry: RetryPolicy = CALLBACK_RETRY,
        on_drop: Callable[[str], object] | None = None,
    ) -> None:
        """Request ``handler`` to run after the outermost commit, as effect ``name`` of ``kind``.

        This is for integrations that hand work to another system after the commit,
        such as a queue send; operation code uses the generated effect methods. A
        durable effect that the first attempt does not deliver is delivered by the
        outbox dispatcher, through the handler the runtime registered for the effect
        (see :meth:`~opsgen.runtime.runtime.Runtime.resolve_effect_handler`). ``shown`` is the payload as recorded (default: ``payload``), and
        ``on_drop(reason)`` is called when the effect is dropped instead of run.
        """
        recorded = payload if shown is None else shown
        self._request(name, kind, durable, payload, recorded, retry, handler, on_drop)

    def _declared_effect(self, name: str) -> EffectDeclaration:
        for declared in self.declaration.effects:
            if declared.name == name:
                return declared
        known = ", ".join(effect.name for effect in self.declaration.effects) or "none"
        raise KeyError(f"operation {self.declaration.name} declares no effect {name!r} (declared: {known})")

    def _request(
        self,
        name: str,
        kind: str,
        durable: bool,
        payload: dict[str, Any],
        shown: dict[str, Any],
        retry: RetryPolicy,
        handler: Callable[[EffectCall], object],
        on_drop: Callable[[str], object] | None = None,
    ) -> None:
        queue = self.scope.effects if self.scope is not None else self._effects
        queue.append(
            PendingEffect(
                id=str(uuid.uuid4()),
                execution_id=self.execution_id,
                lineage=self.lineage,
                sequence=len(queue),
                name=name,
                kind=kind,
                durable=durable,
                payload=payload,
                payload_redacted=shown,
                retry=retry,
                created_at=utcnow(),
                handler=handler,
                on_drop=on_drop,
                secrets=self.secrets,
            )
        )


_current_execution: contextvars.ContextVar[ExecutionContext | None] = contextvars.ContextVar(
    "opsgen_execution", default=None
)


def current_execution() -> ExecutionContext | None:
    """Return the execution whose code is running in this context, ``None`` outside any."""
    return _current_execution.get()


def _context_type_message(value: object) -> str:
    """Return the error for a call whose context argument is neither a ``Context`` nor ``None``.

    A mapping's keys are named (its values may be sensitive) and turned into the
    ``Context(...)`` call that would carry them.
    """
    message = (
        f"the context argument of an operation call must be a Context, such as Context(actor=\"u-42\"), "
        f"or None to use the current context, not {type(value).__name__}"
    )
    if isinstance(value, Mapping):
        keys = [str(key) for key in value]
        standard = [key for key in keys if key in STANDARD_KEYS]
        extra = [key for key in keys if key not in STANDARD_KEYS]
        arguments = [f"{key}=..." for key in standard]
        if extra:
            arguments.append("extra={" + ", ".join(f"{key!r}: ..." for key in extra) + "}")
        message += f" with keys {', '.join(repr(key) for key in keys)}; pass Context({', '.join(arguments)}) instead"
    return message


def resolve_caller(ctx: Context | ExecutionContext | None) -> tuple[ExecutionContext | None, Context]:
    """Return the parent execution of a call made with ``ctx``, and the context it runs in.

    An ``ExecutionContext`` is the parent itself. A plain ``Context`` or ``None`` nests the
    call under the execution running in this context, if any; ``None`` also takes that
    execution's context, or the current context outside any execution. A nested call's
    context names its parent's execution id. Raises ``TypeError`` for anything else, such
    as a dict of context keys.
    """
    if isinstance(ctx, ExecutionContext):
        parent: ExecutionContext | None = ctx
        context = ctx.context
    else:
        parent = current_execution()
        if ctx is None:
            context = parent.context if parent is not None else current_context()
        elif isinstance(ctx, Context):
            context = ctx
        else:
            raise TypeError(_context_type_message(ctx))
    if parent is not None and context.parent_execution_id != parent.execution_id:
        context = context.replace(parent_execution_id=parent.execution_id)
    return parent, context
