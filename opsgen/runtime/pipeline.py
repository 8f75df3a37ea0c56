"""The pipeline every operation call goes through.

:func:`execute` runs the steps of docs/architecture.md ("The pipeline") in order,
each in a function of its own below:

1. :func:`validate_input`, failing with ``invalid_input``;
2. :func:`check_context`, failing with ``missing_context``;
3. :func:`acquire_guards`: the singleton claim, then the declared locks;
4. :func:`open_record`: the execution record, running, linked to its parent;
5. :func:`open_scope`: the outermost transaction, a joined one or a savepoint;
6. :func:`call_operation`: the user's ``run``, inside the execution's context;
7. :func:`close_scope`: commit or roll back, then run or drop the deferred effects;
8. :func:`finish_record`: final status, output or error, and duration.

A call returns a :class:`~opsgen.runtime.result.Result` whatever happens in the
operation's code or in its transaction. Two kinds of error pass through instead:
``BaseException`` subclasses that are not ``Exception`` (``KeyboardInterrupt``,
``SystemExit``), after the transaction has been rolled back, and a database error while
the execution record is written before the call runs (an unreachable log database), so
that no operation ever runs unlogged.
"""

from __future__ import annotations

import logging
import os
import time
import traceback
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager, nullcontext
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from pydantic import BaseModel, ValidationError
from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError

from opsgen.runtime.context import STANDARD_KEYS, Context, _current as _current_context
from opsgen.runtime.database import SQLITE_BEGIN_OPTION
from opsgen.runtime.declarations import TransactionDeclaration
from opsgen.runtime.effects import durable_rows, record_dropped, schedule_delivery
from opsgen.runtime.errors import GuardRejected
from opsgen.runtime.execution import ExecutionContext, _current_execution, resolve_caller
from opsgen.runtime.json_values import dump_for_log, json_keys, json_safe
from opsgen.runtime.locks import LockKeyError, LockLost, LockTimeout, LockUnavailable, WaitHook, render_lock_key
from opsgen.runtime.redaction import Sensitive, redact, scrub, scrub_any, scrub_error, sensitive_values
from opsgen.runtime.result import Failure, OperationFailed, Result, Success, UnwrapError
from opsgen.runtime.runtime import Runtime, get_runtime
from opsgen.runtime.schema import ExecutionStatus
from opsgen.runtime.singleton import claim_singleton, singleton_key
from opsgen.runtime.store import ExecutionRecord, utcnow
from opsgen.runtime.tracing import trace_calls
from opsgen.runtime.transaction import (
    ISOLATION_LEVELS,
    RollbackCause,
    TransactionScope,
    own_session,
    rolled_back_by_code,
)

if TYPE_CHECKING:
    from opsgen.runtime.handle import OperationHandle

logger = logging.getLogger("opsgen.execution")

#: Test hook: when set to a file path, the process creates that file right after an
#: outermost commit and then sleeps, so a test can kill it before effects are delivered.
HOLD_AFTER_COMMIT = os.environ.get("OPSGEN_TEST_HOLD_AFTER_COMMIT")

#: A function that ``execute`` calls in the transaction that writes the final record.
FinalHook = Callable[[Connection, ExecutionRecord], None]


@runtime_checkable
class WritesFinalRecord(Protocol):
    """A :data:`FinalHook` that can also write the final record itself, in one statement with its own rows.

    ``execute`` offers it a record the log already contains (a worker's claimed call) before
    writing the record and calling the hook as two statements. Without a transaction
    that also saves the ``BEGIN`` and ``COMMIT`` of one opened only for these writes.
    """

    def __call__(self, connection: Connection, record: ExecutionRecord) -> None: ...

    def write_final(self, record: ExecutionRecord, connection: Connection | None) -> bool:
        """Write ``record`` and the hook's rows in one statement, on ``connection``'s transaction.

        Without ``connection`` the statement commits on its own. Return ``False``,
        having written nothing, when that is not possible; the hook is then called
        after the record's own write, as usual.
        """


#: The ``on_final`` hook of each running execution that has one.
_final_hooks: weakref.WeakKeyDictionary[ExecutionContext, FinalHook] = weakref.WeakKeyDictionary()


def execute(
    handle: OperationHandle[Any, Any],
    ctx: Context | ExecutionContext | None,
    raw_input: Mapping[str, Any],
    *,
    record: ExecutionRecord | None = None,
    on_final: FinalHook | None = None,
) -> Result[Any]:
    """Run one call of ``handle``'s operation with ``raw_input`` and return its result.

    ``record`` is the execution's row when the log already holds it, as for a queued
    execution that a worker has claimed: the call then runs under that id, parent and
    root, and updates the row instead of inserting one.

    ``on_final`` is called with the connection and the record right after the final
    record is written, in the same transaction, so its writes commit together with
    it. It is called again if that transaction fails to commit and the failure is
    recorded. With ``on_final`` a top-level call writes its final record on a
    transaction of its own even on SQLite, where it would otherwise be staged when
    the log is busy. It is not called when the log is disabled.
    """
    runtime = handle.runtime or get_runtime()
    runtime.prepare()
    started = time.perf_counter()
    execution = new_execution(runtime, handle, ctx, record)
    if on_final is not None:
        _final_hooks[execution] = on_final

    inputs = validate_input(execution, raw_input)
    if isinstance(inputs, Failure):
        return finish_early(execution, inputs, started)
    missing = check_context(execution)
    if missing is not None:
        return finish_early(execution, missing, started)

    if record is None and execution.parent is None and runtime.log_enabled:
        # From here on a killed call leaves a trace, also while it waits for its locks.
        assert execution.record is not None
        runtime.store.journal_record(execution.record)
    execution_token = _current_execution.set(execution)
    context_token = _current_context.set(execution.context)
    stored = False
    try:
        log_start(execution)
        try:
            with acquire_guards(execution, inputs):
                open_record(execution, claimed=record is not None)
                result = run_in_scope(execution, handle, inputs, started)
        except GuardRejected as exc:
            result = fail(execution, exc.code, exc.message, exc.details, status=exc.status)
        finish_record(execution, result, started)
        stored = True
        log_finish(execution)
    finally:
        _current_context.reset(context_token)
        _current_execution.reset(execution_token)
        if execution.runtime.log_enabled and execution.record is not None:
            execution.runtime.store.forget_running(execution.record, stored=stored)
    return result


def new_execution(
    runtime: Runtime,
    handle: OperationHandle[Any, Any],
    ctx: Context | ExecutionContext | None,
    record: ExecutionRecord | None = None,
) -> ExecutionContext:
    """Build the execution, nested under the caller's execution when there is one.

    With ``record``, a row the log already contains, the execution runs under it (see
    :func:`adopt_record`) instead of a new record.
    """
    parent, context = resolve_caller(ctx)

    if record is not None:
        execution = ExecutionContext(runtime, handle.declaration, context, parent, execution_id=record.id)
        adopt_record(execution, record)
        if parent is not None:
            execution.secrets = parent.secrets
        return execution

    execution = ExecutionContext(runtime, handle.declaration, context, parent)
    execution.record = ExecutionRecord(
        id=execution.execution_id,
        operation=handle.declaration.name,
        operation_version=handle.declaration.version,
        status=ExecutionStatus.running.value,
        parent_id=execution.parent_execution_id,
        root_id=execution.root_execution_id,
        actor=context.actor,
        organization=context.organization,
        request_id=context.request_id,
        correlation_id=context.correlation_id,
        context_extra=dict(context.extra) or None,
        input=None,
        created_at=utcnow(),
    )
    execution.record.started_at = execution.record.created_at
    if parent is not None:
        execution.secrets = parent.secrets
    return execution


def adopt_record(execution: ExecutionContext, record: ExecutionRecord) -> None:
    """Run ``execution`` under an existing record: its id, parent and root, updated in place."""
    execution.execution_id = record.id
    execution.lineage = (record.id,) if record.root_id == record.id else (record.root_id, record.id)
    record.status = ExecutionStatus.running.value
    record.started_at = record.started_at or utcnow()
    record.written = True
    record.claimed = True
    execution.record = record


# Step 1


def validate_input(execution: ExecutionContext, raw_input: Mapping[str, Any]) -> BaseModel | Failure:
    """Validate ``raw_input`` against the input model; record its redacted form.

    Input that is not a mapping, such as a decoded JSON list, string, number or null
    passed to ``call_with``, never reaches the model. It fails with ``invalid_input`` and
    is recorded like a mapping the model rejects.
    """
    declaration = execution.declaration
    sensitive = declaration.sensitive_under("input")
    record = execution.record
    assert record is not None
    if not isinstance(raw_input, Mapping):
        return reject_input(execution, raw_input, [non_object_problem(declaration.input_model, raw_input)])
    try:
        inputs = declaration.input_model.model_validate(raw_input)
    except ValidationError as exc:
        return reject_input(execution, raw_input, input_problems(exc))

    if sensitive is not None:
        execution.secrets += sensitive_values(inputs.model_dump(by_alias=True), sensitive)
    if execution.runtime.log_enabled:
        record.input = redact(dump_for_log(inputs), sensitive)
    return inputs


def reject_input(execution: ExecutionContext, raw_input: Any, problems: list[dict[str, str]]) -> Failure:
    """Record the rejected ``raw_input`` and return the ``invalid_input`` failure that lists ``problems``.

    Each problem has the ``field`` (empty for the input as a whole), the ``message`` and
    pydantic's error ``type``, never the value.
    """
    declaration = execution.declaration
    sensitive = declaration.sensitive_under("input")
    record = execution.record
    assert record is not None
    if sensitive is not None:
        execution.secrets += sensitive_values(raw_input, sensitive)
    record.input = rejected_input(raw_input, sensitive, execution.secrets)
    return Failure(
        "invalid_input",
        scrub(invalid_input_message(declaration.name, problems), execution.secrets),
        execution.execution_id,
        {"errors": scrub_any(problems, execution.secrets)},
    )


def input_problems(error: ValidationError) -> list[dict[str, str]]:
    """Return the ``invalid_input`` problems of ``error``: each field, message and error type, no value."""
    return [
        {"field": ".".join(str(part) for part in line["loc"]), "message": line["msg"], "type": line["type"]}
        for line in error.errors(include_input=False, include_url=False)
    ]


def invalid_input_message(operation: str, problems: list[dict[str, str]]) -> str:
    """Return the message of an ``invalid_input`` failure of ``operation`` that lists ``problems``."""
    summary = "; ".join(
        f"{problem['field']}: {problem['message']}" if problem["field"] else problem["message"] for problem in problems
    )
    return f"invalid input for {operation}: {summary}"


def rejected_input(raw_input: Any, sensitive: Sensitive, secrets: tuple[str, ...]) -> Any:
    """Return how the log records an input the model rejected, mapping or not.

    The sensitive fields are redacted, and their values (``secrets``) are scrubbed from
    every other field, since a value typed into the wrong field is still a secret. A
    value that is not a mapping, such as a list, is recorded as it is, redacted and
    scrubbed the same way.
    """
    copied = dict(raw_input) if isinstance(raw_input, Mapping) else raw_input
    return scrub_any(json_safe(redact(copied, sensitive)), secrets)


def non_object_problem(model: type[BaseModel], value: object) -> dict[str, str]:
    """Return the ``invalid_input`` problem of an input ``value`` that is not a mapping."""
    return {"field": "", "message": non_object_message(model, value), "type": "model_type"}


def non_object_message(model: type[BaseModel], value: object) -> str:
    """Return the message that an input must be a mapping of ``model``'s fields, naming them."""
    fields = ", ".join(field.alias or name for name, field in model.model_fields.items())
    expected = f"with the fields {fields}" if fields else "with no fields"
    return f"the input must be an object (a mapping) {expected}, not {type(value).__name__}"


# Step 2


def check_context(execution: ExecutionContext) -> Failure | None:
    """Return a ``missing_context`` failure when a context key the operation requires is unset."""
    declaration = execution.declaration
    missing = missing_context(declaration.context_requires, execution.context)
    if not missing:
        return None
    return Failure("missing_context", missing_context_message(declaration.name, missing), execution.execution_id,
                   {"missing": missing})


def missing_context(required: Sequence[str], context: Context) -> list[str]:
    """Return the keys of ``required`` that ``context`` leaves unset or empty."""
    return [key for key in required if not context.get(key)] if required else []


def missing_context_message(operation: str, missing: Sequence[str]) -> str:
    """Say which required context keys ``operation`` lacks and how to provide them.

    A standard key is a keyword argument of ``Context``, and a custom key an entry of its ``extra``.
    """
    several = len(missing) > 1
    arguments = [f"{key}=..." for key in missing if key in STANDARD_KEYS]
    custom = [key for key in missing if key not in STANDARD_KEYS]
    if custom:
        arguments.append("extra={" + ", ".join(f"{key!r}: ..." for key in custom) + "}")
    note = " (custom keys go in Context.extra)" if custom else ""
    return (
        f"{operation} requires the context {'keys' if several else 'key'} {', '.join(missing)}, which the "
        f"caller's context does not set; pass Context({', '.join(arguments)}){note}, or call inside "
        "opsgen.runtime.context.use_context(...) with such a Context"
    )


# Step 3


def acquire_guards(execution: ExecutionContext, inputs: BaseModel) -> AbstractContextManager[None]:
    """Claim the singleton, then take the declared locks; release both on exit.

    Keys are rendered from the inputs and the context. Locks that an ancestor in the
    same call tree has taken are not taken again. Raises
    :class:`~opsgen.runtime.errors.GuardRejected` when the singleton is taken
    (status ``rejected`` or ``skipped``), a lock times out, or the lock backend cannot
    be reached (both status ``failed``).
    """
    declaration = execution.declaration
    if declaration.singleton is None and not declaration.locks:
        return _NO_GUARD
    return _guarded(execution, inputs)


_NO_GUARD = nullcontext()


@contextmanager
def _guarded(execution: ExecutionContext, inputs: BaseModel) -> Iterator[None]:
    declaration = execution.declaration
    record = execution.record
    assert record is not None
    # Key templates name inputs by their JSON keys, as the spec does. iter() yields the
    # fields as pairs; dict(inputs) would first probe the model for keys().
    input_keys = json_keys(type(inputs))
    inputs_by_key = {input_keys.get(name, name): value for name, value in iter(inputs)}
    values = {**_context_values(execution.context), **inputs_by_key}
    enclosing = execution.scope
    with ExitStack() as held:
        try:
            backend = execution.runtime.get_lock_backend()
            if declaration.singleton is not None:
                key = singleton_key(declaration.singleton, values)
                record.singleton_key = key
                claim = claim_singleton(
                    backend, declaration.singleton, key=key, owner=execution.execution_id,
                    on_wait=wait_announcer(execution, ""),
                )
                if not claim.claimed:
                    raise GuardRejected(
                        claim.outcome,
                        f"singleton_{claim.outcome}",
                        claim.message(),
                        {"key": key, "holder": claim.holder, "timed_out": claim.timed_out},
                    )
                assert claim.held is not None
                held.enter_context(claim.held)
                execution.held_guards.append(claim.held)

            held_keys = execution.held_lock_keys
            keeper = execution.runtime.outer_transaction
            if enclosing is not None:
                held_keys = held_keys | enclosing.outermost.kept_lock_keys
            if keeper is not None:
                held_keys = held_keys | keeper.held_keys()
            keys = sorted({render_lock_key(lock.key, values) for lock in declaration.locks} - held_keys)
            if keys:
                locks = backend.acquire_many(
                    keys,
                    timeout=max(lock.timeout for lock in declaration.locks),
                    lease=max(lock.lease for lock in declaration.locks),
                    owner=execution.execution_id,
                    on_wait=wait_announcer(execution, "lock "),
                )
                # Inside an open transaction the writes made under these locks commit only
                # with it, so its outermost scope keeps them until then, or the keeper of
                # a transaction that the application opened (a Django atomic block).
                if enclosing is not None:
                    enclosing.keep_locks(locks)
                elif keeper is None or not keeper.keep(locks):
                    held.enter_context(locks)
                execution.held_guards.append(locks)
                record.lock_keys = keys
                record.fencing_token = max(locks.fencing_tokens.values(), default=None)
                execution.held_lock_keys = execution.held_lock_keys | set(keys)
        except LockTimeout as exc:
            raise GuardRejected(
                ExecutionStatus.failed.value, "lock_timeout", str(exc),
                {"key": exc.key, "holder": exc.holder, "timeout": exc.timeout},
            ) from exc
        except LockKeyError as exc:
            raise GuardRejected(ExecutionStatus.failed.value, "invalid_lock_key", str(exc)) from exc
        except LockUnavailable as exc:
            raise GuardRejected(
                ExecutionStatus.failed.value, "lock_unavailable", str(exc),
                {"backend": exc.backend_name, "location": exc.location, "keys": list(exc.keys),
                 "exception": exc.error_type},
            ) from exc
        yield


def lost_guard(execution: ExecutionContext) -> LockLost | None:
    """Return the error of the first lock or singleton claim in the call tree that was lost.

    A lock is lost when its lease could not be renewed for longer than the lease, so another
    execution may have taken it: the writes made under it must not commit.
    """
    for guard in execution.held_guards:
        try:
            guard.check()
        except LockLost as exc:
            return exc
    return None


def wait_announcer(execution: ExecutionContext, kind: str) -> WaitHook | None:
    """Return the hook that lets an outermost call show as running while a guard makes it wait.

    The lock backend calls it only when a key is not free, so a guard taken at once
    costs nothing. The hook writes the progress message ``waiting for`` followed by
    ``kind`` and the key. For a journaled call it schedules the running marker, delayed
    as any other (:meth:`ExecutionStore.mark_running`). A call that has no journal slot
    gets its marker at once, and a worker's claimed call, already running in the log,
    gets the note on its row (:meth:`ExecutionStore.note_claimed`). The message goes
    when the guards are held (:func:`open_record`) or when the call ends.
    """
    runtime = execution.runtime
    record = execution.record
    if record is None or execution.parent is not None or not runtime.log_enabled or not runtime.record_running:
        return None
    store = runtime.store

    def announce(key: str) -> None:
        note = f"waiting for {kind}{key}"
        if record.claimed:
            store.note_claimed(record, note)
        else:
            store.mark_running(record, delayed=record.journal_slot is not None, note=note)

    return announce


def _context_values(context: Context) -> dict[str, object]:
    values: dict[str, object] = {key: value for key, value in context.to_dict().items() if key != "extra"}
    values.update(context.extra)
    return values


# Step 4


def open_record(execution: ExecutionContext, *, claimed: bool = False) -> None:
    """Make the execution visible as running; called once its guards are held.

    Claiming the singleton first means a call turned away never waits behind the
    holder's transaction (on SQLite the running marker could otherwise queue behind
    it) and is recorded only once, as ``skipped`` or ``rejected``.

    An outermost call gets a running marker (:meth:`ExecutionStore.mark_running`),
    written after a short delay for a transactional call and at once for any other.
    A call inside an open transaction writes its record through that transaction, and
    on SQLite also gets a marker, so it and its progress show before the commit. A
    claimed record is already running in the log and gets only the marker. With
    ``runtime.record_running`` false, an outermost transactional call gets no marker:
    its record is inserted, final, inside its own transaction.
    """
    runtime = execution.runtime
    if not runtime.log_enabled:
        return
    record = execution.record
    assert record is not None
    store = runtime.store
    scope = execution.scope
    if claimed:
        # Not journaled: the claimed row and its lease already let another worker take over.
        if store.live is not None:
            store.live.mark_running(record.values(), delay=0.0 if record.noted else store.marker_delay)
        elif record.noted:
            store.note_claimed(record, None)
    elif scope is None:
        # A transactional call's marker may wait: its transaction connects to the log's
        # database before the operation's code runs. Any other call proves, by writing
        # its marker first, that it will not run unlogged.
        transactional = execution.declaration.transaction is not None
        if not transactional or runtime.record_running:
            store.mark_running(record, delayed=transactional)
    else:
        store.write(record, scope.connection)
        scope.records.append(record)
        if store.live is not None:
            store.live.mark_running(record.values(), delay=store.marker_delay)


# Steps 5 to 7


def run_in_scope(
    execution: ExecutionContext, handle: OperationHandle[Any, Any], inputs: BaseModel, started: float
) -> Result[Any]:
    """Run the operation in the transaction scope its declaration requests."""
    declaration = execution.declaration
    enclosing = execution.scope

    if declaration.transaction is None:
        result = call_operation(execution, handle, inputs)
        settle_without_transaction(execution, result)
        return result

    try:
        scope = open_scope(execution, declaration.transaction)
    except Exception as exc:  # noqa: BLE001 - a database or hook error fails this call
        return fail(execution, "transaction_failed", f"could not begin the transaction: {exc}",
                    {"exception": type(exc).__name__}, trace=traceback.format_exc())

    if scope is enclosing:
        result = call_operation(execution, handle, inputs)
        if isinstance(result, Failure):
            scope.mark_rollback_only(
                RollbackCause(execution.execution_id, declaration.name, result.code, result.message)
            )
        return result

    try:
        result = call_operation(execution, handle, inputs)
    except BaseException:
        # KeyboardInterrupt or SystemExit inside the operation: undo its writes, then let it pass.
        scope.rollback("the call was interrupted")
        if scope.savepoint is None:
            scope.session.close()
            scope.release_locks()
        raise
    return close_scope(execution, scope, result, started)


def open_scope(execution: ExecutionContext, transaction: TransactionDeclaration) -> TransactionScope:
    """Open the outermost transaction, join the enclosing one, or take a savepoint."""
    enclosing = execution.scope
    if enclosing is not None:
        execution.scope = enclosing if transaction.nested == "join" else enclosing.begin_savepoint()
        return execution.scope

    runtime = execution.runtime
    session = runtime.session_factory()
    own_session(session)
    scope = TransactionScope(session)
    try:
        options: dict[str, str] = {}
        if runtime.engine.dialect.name == "sqlite":
            # Take SQLite's writer at BEGIN, waiting through the busy timeout. A deferred
            # transaction that reads first fails at once with "database is locked" when
            # it later writes while another connection holds the writer.
            options[SQLITE_BEGIN_OPTION] = "BEGIN IMMEDIATE"
        if transaction.isolation:
            sqlite = runtime.engine.dialect.name == "sqlite"
            options["isolation_level"] = "SERIALIZABLE" if sqlite else ISOLATION_LEVELS[transaction.isolation]
        connection = session.connection(execution_options=options) if options else session.connection()
        scope.bound = connection
        if runtime.on_transaction_begin:
            info = execution.info()
            for hook in runtime.on_transaction_begin:
                hook(connection, info)
    except BaseException:
        session.close()
        raise
    execution.scope = scope
    return scope


# Step 6


def call_operation(
    execution: ExecutionContext, handle: OperationHandle[Any, Any], inputs: BaseModel
) -> Result[Any]:
    """Call the user's ``run`` and turn its return value or exception into a result."""
    declaration = execution.declaration
    arguments = {name: getattr(inputs, name) for name in type(inputs).model_fields}
    runtime = execution.runtime
    tracer = (
        trace_calls(runtime.trace_modules, declaration, execution.secrets)
        if runtime.trace_modules
        else nullcontext()
    )
    try:
        operation = handle.implementation()
        with tracer:
            try:
                output = operation.run(execution, **arguments)
            finally:
                execution.close_progress()
    except OperationFailed as exc:
        details = redact(exc.details, declaration.sensitive_under("errors", exc.code, "details"))
        return fail(execution, exc.code, exc.message, details)
    except UnwrapError as exc:
        details = {**exc.details, "cause_execution_id": exc.execution_id}
        return fail(execution, exc.code, exc.message, details)
    except Exception as exc:  # noqa: BLE001 - any error in user code becomes a failure
        return fail(
            execution,
            "unhandled_exception",
            f"{type(exc).__name__}: {exc}",
            {"exception": f"{type(exc).__module__}.{type(exc).__qualname__}"},
            trace=traceback.format_exc(),
        )

    model = declaration.output_model
    if not isinstance(output, model):
        try:
            output = model.model_validate(output)
        except ValidationError as exc:
            return fail(execution, "invalid_output", f"{declaration.name} returned an invalid output: {exc}")
    return Success(output, execution.execution_id)


def fail(
    execution: ExecutionContext,
    code: str,
    message: str,
    details: Mapping[str, Any] | None = None,
    *,
    trace: str | None = None,
    status: str = ExecutionStatus.failed.value,
) -> Failure:
    """Build a failure with secrets scrubbed and URL passwords masked, and note the status and traceback on the record."""
    secrets = execution.secrets
    failure = Failure(code, scrub_error(message, secrets), execution.execution_id, scrub_any(dict(details or {}), secrets))
    record = execution.record
    assert record is not None
    record.status = status
    if trace is not None:
        record.traceback = scrub_error(trace, secrets)
    return failure


# Step 7


def close_scope(
    execution: ExecutionContext, scope: TransactionScope, result: Result[Any], started: float
) -> Result[Any]:
    """Commit or roll back this execution's own scope, then settle its effects.

    On success the finished record is written in the transaction, saving a commit.
    """
    runtime = execution.runtime
    outermost = scope.savepoint is None
    try:
        rolled_back = rolled_back_by_code(scope.session)
        if isinstance(result, Success) and rolled_back is not None:
            result = fail(execution, "transaction_rolled_back", f"{execution.declaration.name}: {rolled_back}")
        if isinstance(result, Success) and scope.rollback_cause is not None:
            cause = scope.rollback_cause
            result = fail(
                execution,
                "transaction_rolled_back",
                f"{execution.declaration.name} was rolled back because {cause.operation} "
                f"(execution {cause.execution_id}), which joined its transaction, failed: {cause.code}: {cause.message}",
                {"cause_execution_id": cause.execution_id, "cause_code": cause.code},
            )

        if isinstance(result, Success):
            try:
                complete_record(execution, result, started)
                if runtime.log_enabled:
                    assert execution.record is not None
                    _write_in(execution, scope.connection)
                    scope.records.append(execution.record)
                rows = durable_rows(scope.effects) if outermost else []
                if rows:
                    runtime.store.insert_effects(rows, scope.connection)
                lost = lost_guard(execution) if outermost else None
                if lost is not None:
                    result = fail(execution, "lock_lost", str(lost), {"keys": list(lost.keys), "owner": lost.owner})
                else:
                    scope.commit()
            except SQLAlchemyError as exc:
                result = fail(execution, "commit_failed", f"the transaction could not commit: {exc}",
                              {"exception": type(exc).__name__}, trace=traceback.format_exc())

        if isinstance(result, Failure):
            rollback_scope(execution, scope, f"{execution.declaration.name} failed with {result.code}")
    except BaseException:
        if outermost:
            scope.end_by_rollback()
            scope.session.close()
            scope.release_locks()
        raise

    if outermost:
        settle_outermost(execution, scope, committed=isinstance(result, Success))
    return result


def rollback_scope(execution: ExecutionContext, scope: TransactionScope, reason: str) -> None:
    """Roll back ``scope`` and write again the records the rollback removed."""
    store = execution.runtime.store
    lost = scope.rollback(reason)
    if not execution.runtime.log_enabled:
        return
    parent = scope.parent
    outer = execution.runtime.outer_transaction
    for record in lost:
        if parent is None and outer is not None and outer.is_open():
            # The application's transaction may roll back too, and the failure must stay.
            outer.write_outside(partial(store.rewrite, record))
        elif parent is None:
            store.rewrite(record)
        else:
            store.rewrite(record, parent.connection)
            parent.records.append(record)


def settle_outermost(execution: ExecutionContext, scope: TransactionScope, *, committed: bool) -> None:
    """After the outermost commit or rollback: close the session, release the locks of
    nested calls, record dropped effects and deliver the rest."""
    runtime = execution.runtime
    outer = runtime.outer_transaction
    scope.session.close()
    scope.release_locks(outer if committed else None)
    if committed and outer is not None and runtime.log_enabled:
        # A commit inside the application's transaction is a savepoint's: the records
        # are kept only if that transaction commits too.
        outer.watch(runtime.store, scope.records)
    if committed and HOLD_AFTER_COMMIT:
        _hold_after_commit(HOLD_AFTER_COMMIT)
    record_dropped(runtime, scope.dropped)
    if committed and scope.effects:
        schedule_delivery(runtime, scope.effects)


def settle_without_transaction(execution: ExecutionContext, result: Result[Any]) -> None:
    """Settle the effects of an operation that declares no transaction."""
    enclosing = execution.scope
    reason = f"{execution.declaration.name} failed"
    if enclosing is not None:
        if isinstance(result, Failure):
            enclosing.drop_effects_of(execution.execution_id, f"{reason} with {result.code}")
        return

    runtime = execution.runtime
    pending = execution._effects
    if not pending:
        return
    if isinstance(result, Failure):
        record_dropped(runtime, [(effect, f"{reason} with {result.code}") for effect in pending])
        return
    runtime.store.insert_effects(durable_rows(pending))
    schedule_delivery(runtime, pending)


# Step 8


def complete_record(execution: ExecutionContext, result: Result[Any], started: float) -> None:
    """Set the final status, output or error and duration on the in-memory record."""
    record = execution.record
    assert record is not None
    record.finished_at = utcnow()
    record.duration_ms = (time.perf_counter() - started) * 1000.0
    if isinstance(result, Success):
        record.status = ExecutionStatus.succeeded.value
        # A queued execution that failed an earlier attempt carries that attempt's error.
        record.error_code = record.error_message = record.error_details = record.traceback = None
        if execution.runtime.log_enabled:
            record.output = redact(dump_for_log(result.value), execution.declaration.sensitive_under("output"))
        return
    if record.status in (ExecutionStatus.running.value, ExecutionStatus.succeeded.value):
        record.status = ExecutionStatus.failed.value
    record.output = None
    record.error_code = result.code
    record.error_message = result.message
    sensitive_details = execution.declaration.sensitive_under("errors", result.code, "details")
    record.error_details = json_safe(redact(dict(result.details), sensitive_details))


def finish_record(execution: ExecutionContext, result: Result[Any], started: float) -> None:
    """Write the final record unless the committed transaction already contains it."""
    record = execution.record
    assert record is not None
    if isinstance(result, Success) and record.finished_at is not None and execution.declaration.transaction:
        return
    complete_record(execution, result, started)
    if not execution.runtime.log_enabled:
        return
    scope = execution.scope if execution.declaration.transaction is None else _enclosing_scope(execution)
    _write_final(execution, scope)


def finish_early(execution: ExecutionContext, failure: Failure, started: float) -> Failure:
    """Record a call that failed before it started (invalid input, missing context)."""
    record = execution.record
    assert record is not None
    execution_token = _current_execution.set(execution)
    try:
        complete_record(execution, failure, started)
        if execution.runtime.log_enabled:
            _write_final(execution, execution.scope)
        log_finish(execution)
    finally:
        _current_execution.reset(execution_token)
    return failure


def _enclosing_scope(execution: ExecutionContext) -> TransactionScope | None:
    return execution.parent.scope if execution.parent is not None else None


def _write_final(execution: ExecutionContext, scope: TransactionScope | None) -> None:
    """Write the final record in ``scope``'s transaction, or else in one of its own, with the final hook's rows."""
    record = execution.record
    assert record is not None
    if scope is not None:
        _write_in(execution, scope.connection)
        scope.records.append(record)
        return
    hook = _final_hooks.get(execution)
    if hook is None:
        store = execution.runtime.store
        outer = execution.runtime.outer_transaction
        if outer is None or not outer.is_open():
            store.write(record)
        elif record.status == ExecutionStatus.succeeded.value or record.written:
            # A success commits with the application's transaction; so does a failure
            # whose running row the call wrote in it, which a side connection cannot
            # see. Either is written again outside if that transaction rolls back.
            store.write(record)
            outer.watch(store, [record])
        else:
            outer.write_outside(partial(store.write, record))
        return
    if _hook_wrote_final(hook, record, None):
        return
    with execution.runtime.engine.begin() as connection:
        _write_in(execution, connection)


def _write_in(execution: ExecutionContext, connection: Connection) -> None:
    """Write the final record on ``connection``'s transaction, then let the final hook add its rows."""
    record = execution.record
    assert record is not None
    hook = _final_hooks.get(execution)
    if hook is None:
        execution.runtime.store.write(record, connection)
        return
    if _hook_wrote_final(hook, record, connection):
        return
    execution.runtime.store.write(record, connection)
    hook(connection, record)


def _hook_wrote_final(hook: FinalHook, record: ExecutionRecord, connection: Connection | None) -> bool:
    """Offer a record the log already contains to a hook that writes final records (:class:`WritesFinalRecord`)."""
    if not record.written:
        return False
    # Not isinstance(hook, WritesFinalRecord): a runtime-checkable protocol collects
    # the class's members on every check, which took a few percent of a worker's call.
    write_final = getattr(hook, "write_final", None)
    return write_final is not None and bool(write_final(record, connection))


def log_start(execution: ExecutionContext) -> None:
    """Log the start of the execution on ``opsgen.execution``."""
    if logger.isEnabledFor(logging.INFO):
        logger.info(
            "started %s",
            execution.declaration.name,
            extra={"execution_id": execution.execution_id, "operation": execution.declaration.name,
                   "actor": execution.context.actor},
        )


def log_finish(execution: ExecutionContext) -> None:
    """Log the end of the execution with its status and duration."""
    record = execution.record
    assert record is not None
    failed = record.status != ExecutionStatus.succeeded.value
    level = logging.WARNING if failed else logging.INFO
    if not logger.isEnabledFor(level):
        return
    message = "%s %s in %.1f ms" + (" (%s: %s)" if failed else "")
    arguments: tuple[Any, ...] = (execution.declaration.name, record.status, record.duration_ms or 0.0)
    if failed:
        arguments += (record.error_code, record.error_message)
    logger.log(
        level,
        message,
        *arguments,
        extra={"execution_id": execution.execution_id, "operation": execution.declaration.name,
               "actor": execution.context.actor, "status": record.status,
               "duration_ms": record.duration_ms},
    )


def _hold_after_commit(path: str) -> None:
    with open(path, "w", encoding="utf-8") as marker:
        marker.write(str(os.getpid()))
    while True:
        time.sleep(3600)

