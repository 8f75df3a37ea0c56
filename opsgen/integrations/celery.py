"""Run operations on Celery workers: ``ops.billing.generate_invoices.enqueue(ctx, ...)``.

:func:`install` registers one Celery task, ``opsgen.run_operation``, on the
application's Celery app and makes ``enqueue`` send it. Call it in the module that
both the web processes and the workers import (the module named by ``celery -A``)::

    app = Celery("billing", broker="redis://127.0.0.1:6379/0")
    opsgen.integrations.celery.install(app, ops)

The task is declared with ``acks_late=True`` and ``reject_on_worker_lost=True``: a
message is acknowledged only after the execution has finished, so a worker killed
midway leaves it to be redelivered, and the claim in
:mod:`opsgen.integrations.background` makes sure the redelivered message runs the
execution only if no other worker has finished it or has a live claim on it. On Redis, redelivery of an
unacknowledged message waits for the broker's ``visibility_timeout``.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping
from typing import Any, NoReturn

from celery import Celery, Task, signals  # type: ignore[import-untyped]
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from opsgen.integrations.background import (
    DEFAULT_LEASE,
    DEFAULT_MAX_TAKEOVERS,
    ENQUEUE_EFFECT,
    MalformedMessage,
    QueuedCall,
    enqueue,
    fail_pending,
    run_queued,
    send_effect,
)
from opsgen.integrations.operations import index_operations
from opsgen.runtime.config import load_settings
from opsgen.runtime.context import Context
from opsgen.runtime.database_url import settings_url_problem
from opsgen.runtime.errors import ConfigurationError
from opsgen.runtime.execution import ExecutionContext
from opsgen.runtime.handle import OperationHandle
from opsgen.runtime.journal import close_journals
from opsgen.runtime.log_context import ContextFilter
from opsgen.runtime.runtime import Runtime, get_runtime

logger = logging.getLogger(__name__)

#: Name of the one task opsgen registers.
TASK_NAME = "opsgen.run_operation"


class CeleryQueue:
    """The installed integration: sends queued calls as tasks and runs them in workers."""

    def __init__(
        self,
        app: Celery,
        handles: dict[str, OperationHandle[Any, Any]],
        runtime: Runtime,
        *,
        lease: float,
        max_takeovers: int,
        queue_prefix: str,
        durable_enqueue: bool = True,
    ) -> None:
        self.app = app
        self.handles = handles
        self.runtime = runtime
        self.lease = lease
        self.max_takeovers = max_takeovers
        self.queue_prefix = queue_prefix
        self.durable_enqueue = durable_enqueue
        self.task: Task = self._register_task()

    def queue_of(self, call: QueuedCall) -> str:
        """Return the Celery queue of a call: the spec's ``queue`` after ``queue_prefix``."""
        return f"{self.queue_prefix}{call.queue}"

    def send(self, call: QueuedCall) -> None:
        """Send ``call`` as an ``opsgen.run_operation`` task, with the execution id as task id.

        The task's ``kwargsrepr`` header, which Celery's logs, events and monitors show
        in place of the arguments, names only the operation and the execution. Celery's
        own repr of the message would show sensitive inputs in clear, and building it
        took about a third of the sender's CPU time for a small call.
        """
        self.app.send_task(
            TASK_NAME,
            kwargs={"message": call.to_dict()},
            queue=self.queue_of(call),
            task_id=call.execution_id,
            argsrepr="()",
            kwargsrepr=_arguments_repr(call),
        )

    def enqueue(
        self, handle: OperationHandle[Any, Any], ctx: Context | ExecutionContext | None, inputs: dict[str, Any]
    ) -> str:
        """Record a pending execution of ``handle`` and send it; see :func:`background.enqueue`."""
        return enqueue(handle, ctx, inputs, self.send, durable=self.durable_enqueue)

    def _register_task(self) -> Task:
        def run_operation(task: Task, message: Any) -> str | None:
            return self.run(task, message)

        registered: Task = self.app.task(
            name=TASK_NAME,
            bind=True,
            acks_late=True,
            reject_on_worker_lost=True,
            ignore_result=True,
            max_retries=None,
        )(run_operation)
        return registered

    def run(self, task: Task, message: Any) -> str | None:
        """Run the execution a task message names; retry the task when the outcome has a retry delay."""
        try:
            call = QueuedCall.from_dict(message)
        except MalformedMessage as exc:
            logger.error("dropping a malformed %s message (task %s): %s", TASK_NAME, task.request.id, exc)
            self.fail_malformed(message, exc)
            return None

        try:
            outcome = run_queued(
                self.handles,
                self.runtime,
                call,
                lease=self.lease,
                max_takeovers=self.max_takeovers,
                delivery=str(task.request.id),
            )
        except Exception as exc:
            # The database or the runtime failed, not the operation. Celery would
            # acknowledge a failed task, so send it again after the lease has expired.
            countdown = self.lease + 1.0
            logger.error("execution %s of %s could not run (%s: %s); retrying in %.0f s",
                         call.execution_id, call.operation, type(exc).__name__, exc, countdown,
                         extra={"queued_execution_id": call.execution_id})
            raise task.retry(countdown=countdown, exc=exc, max_retries=None) from exc
        if outcome.retry_in is not None:
            raise task.retry(countdown=outcome.retry_in, max_retries=None)
        if outcome.result is None:
            return None
        # Celery counts every task that returns as succeeded, so its log line and its
        # monitors carry the execution's outcome in the return value.
        return "ok" if outcome.result.ok else f"failed: {outcome.result.code}"


    def check_schema_at_start(self, **_kwargs: Any) -> None:
        """Create the execution log tables when a worker starts, or stop it when they cannot be.

        Connected to Celery's ``worker_init`` signal. Without the tables every message
        would fail its claim and be sent again after the lease, for ever.
        """
        try:
            self.runtime.require_schema()
        except ConfigurationError as exc:
            _exit_with(str(exc))
        except SQLAlchemyError as exc:
            # An unreachable database may come back; each task retries until it does.
            logger.error("could not check the execution log tables at worker start (%s: %s); "
                         "tasks retry until the database answers", type(exc).__name__, exc)

    def fail_malformed(self, message: Any, error: MalformedMessage) -> None:
        """Fail the pending execution that a malformed message names, so that it does not stay pending.

        Only a ``pending`` record changes, so a message that names a finished or running
        execution, or none at all, changes nothing.
        """
        execution_id = message.get("execution_id") if isinstance(message, Mapping) else None
        if not isinstance(execution_id, str):
            return
        try:
            fail_pending(self.runtime, execution_id, "malformed_message", f"the task message cannot be run: {error}")
        except SQLAlchemyError as exc:
            logger.error("could not record execution %s of a malformed message as failed (%s: %s)",
                         execution_id, type(exc).__name__, exc, extra={"queued_execution_id": execution_id})


def _arguments_repr(call: QueuedCall) -> str:
    """Return the ``kwargsrepr`` of a call's task: the operation and the execution id, no input."""
    return repr({"message": {"operation": call.operation, "execution_id": call.execution_id}})


def install(
    app: Celery,
    registry: object,
    *,
    runtime: Runtime | None = None,
    lease: float = DEFAULT_LEASE,
    max_takeovers: int = DEFAULT_MAX_TAKEOVERS,
    queue_prefix: str = "",
    log_context: bool = True,
    durable_enqueue: bool = True,
) -> CeleryQueue:
    """Register ``opsgen.run_operation`` on ``app`` and let ``enqueue`` send it.

    ``registry`` is the generated ``ops`` (or a dict or list of handles): the worker
    finds operations there by name. ``runtime`` defaults to the default runtime; its
    ``enqueuer`` is set, and handles without a runtime run on it. ``lease`` is the
    seconds a dead worker's claim keeps others from taking its execution over.
    ``queue_prefix`` goes before every spec's ``queue``. With ``log_context`` the
    worker's log handlers get :class:`~opsgen.runtime.log_context.ContextFilter`, so
    every record of an execution carries its actor, organization and request id.
    With ``durable_enqueue`` false, the pending record of a call enqueued outside a
    transaction commits without waiting for the disk on PostgreSQL, which saves about
    one disk flush a call. A database crash can then lose that record, but not the
    call: the worker rebuilds the record from the message. What can be lost is the
    trace of a call whose message the broker loses too; see
    :func:`~opsgen.integrations.background.enqueue`.

    Each pool child, and the worker itself, closes its in-flight journals when it shuts
    down (Celery's ``worker_process_shutdown`` and ``worker_shutdown`` signals), because
    billiard ends a child with ``os._exit``, which skips the exit handler that deletes
    the journal file.

    Raises :class:`ConfigurationError` (or SQLAlchemy's error for an invalid database
    URL) when the default runtime cannot be built from the settings. Inside the
    ``celery`` command, which would print that error with a traceback, it prints the
    message alone, as the ``opsgen`` command does, and exits with status 2.
    """
    if runtime is None:
        try:
            runtime = get_runtime()
        except (ConfigurationError, ArgumentError, ValueError) as exc:
            _exit_in_celery_command(exc)
            raise
    integration = CeleryQueue(
        app,
        index_operations(registry, runtime),
        runtime,
        lease=lease,
        max_takeovers=max_takeovers,
        queue_prefix=queue_prefix,
        durable_enqueue=durable_enqueue,
    )
    runtime.enqueuer = integration.enqueue
    runtime.register_effect_handler(ENQUEUE_EFFECT, lambda call: send_effect(integration.send, call))
    signals.worker_init.connect(integration.check_schema_at_start, weak=False)
    signals.worker_process_shutdown.connect(_close_journals, weak=False)
    signals.worker_shutdown.connect(_close_journals, weak=False)
    if log_context:
        signals.after_setup_logger.connect(_add_context_filter, weak=False)
        signals.after_setup_task_logger.connect(_add_context_filter, weak=False)
    return integration


def _exit_in_celery_command(error: Exception) -> None:
    """Print the message of a settings error and exit, when the ``celery`` command is loading the app.

    The ``celery`` command catches every exception raised while it imports the app
    module and prints it with the whole traceback, which buries the message. Only
    ``SystemExit`` passes through it. Elsewhere (a web server, a test) this returns,
    and the caller raises the error as usual.
    """
    if not _in_celery_command():
        return
    message = _settings_error_message(error)
    if message is not None:
        _exit_with(message)


def _check_settings_in_celery_command() -> None:
    """Exit with the message when the ``celery`` command loads an app and the settings are invalid.

    This runs when the app module imports this module, before the module builds its
    runtime, so a misspelt key reads cleanly also when the app calls ``Runtime(...)``
    itself rather than letting :func:`install` build the default runtime.
    """
    if not _in_celery_command():
        return
    try:
        load_settings()
    except ConfigurationError as exc:
        _exit_with(str(exc))


def _in_celery_command() -> bool:
    """Return whether this process runs the ``celery`` command, which imports its command-line module."""
    return "celery.bin.celery" in sys.modules


def _exit_with(message: str) -> NoReturn:
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(2) from None


def _settings_error_message(error: Exception) -> str | None:
    """Return the message for an error caused by invalid opsgen settings, ``None`` for any other error."""
    if isinstance(error, ConfigurationError):
        return str(error)
    return settings_url_problem()


def _close_journals(**_kwargs: Any) -> None:
    """Close this process's in-flight journals when a pool child or the worker shuts down.

    Connected to ``worker_process_shutdown``, which a prefork child sends after its
    task loop ends and right before billiard ends the child with ``os._exit``. That
    skips the exit handler that would delete the child's journal file. Connected to
    ``worker_shutdown`` as well, for the main process, which runs the calls of the solo
    and threads pools. A file with a slot still in use is kept, so a later reader on
    this host records that call as abandoned unless its final record is stored.

    NOTE: billiard 4.3 stops a child that the pool shrinks away with ``SIGTERM``, and
    the child dies without sending ``worker_process_shutdown``, so its file stays.
    """
    close_journals()


def _add_context_filter(logger: logging.Logger | None = None, **_kwargs: Any) -> None:
    targets = [logger] if logger is not None else []
    targets.append(logging.getLogger())
    for target in targets:
        for handler in target.handlers:
            if not any(isinstance(existing, ContextFilter) for existing in handler.filters):
                handler.addFilter(ContextFilter())


# The app module imports this module before it builds its runtime.
_check_settings_in_celery_command()
