"""Attribute a request's own ORM writes to its actor in the audit trail, as operations' writes are.

An operation sets the audit context of its transaction itself. A view that saves a
model directly, or the Django admin, writes with no context, and the audit trail
records the change as a ``raw`` write by the database user. When the runtime has the
audit hook installed (``opsgen.audit.install``), ``OpsgenMiddleware`` wraps the
request's database calls with :class:`RequestAuditContext`. Before the first statement
in each transaction of an ``atomic`` block (a view under ``ATOMIC_REQUESTS``, the
admin's, or one the code opens), it sets the request's actor and request id as that
transaction's audit context, in one extra round trip. A statement outside any atomic
block commits on its own and stays ``raw``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from opsgen.integrations.django.atomic_block import ApplicationBlock
from opsgen.integrations.django.database import AtomicStack, atomic_stack
from opsgen.runtime.context import Context
from opsgen.runtime.runtime import Runtime

#: Sets the transaction-local settings the capture triggers read (see opsgen.audit.context).
SET_CONTEXT_SQL = (
    "SELECT set_config('opsgen.execution_id', '', true), set_config('opsgen.actor', %s, true), "
    "set_config('opsgen.operation', '', true), set_config('opsgen.trace_id', %s, true), "
    "set_config('opsgen.expected', '', true)"
)


class RequestAuditContext:
    """A Django ``execute_wrapper`` that sets the request's audit context once per transaction.

    ``stack`` contains the atomic blocks the runtime's engine entered in this thread.
    Inside one, an operation runs and its own audit hook sets the context, so the
    wrapper does nothing there. After one, it sets the request's context again.
    """

    def __init__(self, context: Context, stack: AtomicStack) -> None:
        self._parameters = (context.actor or "", context.request_id or "")
        self._stack = stack
        # What held when the context was last set: the transaction's list of commit
        # callbacks, the savepoints open, and the count of the runtime's blocks.
        self._hooks: list[Any] | None = None
        self._savepoints: tuple[str, ...] = ()
        self._entered = -1

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
        connection = context["connection"]
        if connection.in_atomic_block and not self._stack.blocks and not self._still_set(connection):
            # On the driver's cursor: the statement in hand may be an executemany, and
            # Django's wrappers and query log need not see this one.
            context["cursor"].cursor.execute(SET_CONTEXT_SQL, self._parameters)
            self._hooks = connection.run_on_commit
            self._savepoints = tuple(connection.savepoint_ids)
            self._entered = self._stack.entered
        return execute(sql, params, many, context)

    def _still_set(self, connection: Any) -> bool:
        """Return whether the context set earlier still holds.

        Django gives each transaction a new ``run_on_commit`` list, at its commit or
        rollback, and after a savepoint rollback too, so the list marks the transaction
        (an ``Atomic`` of a decorated function is the same object at every call). An
        operation that ran since set its own context; a savepoint that has ended may
        have taken the setting with it.
        """
        if connection.run_on_commit is not self._hooks or self._stack.entered != self._entered:
            return False
        return tuple(connection.savepoint_ids[: len(self._savepoints)]) == self._savepoints


def audited_connection(runtime: Runtime | None) -> tuple[str, AtomicStack] | None:
    """Return the Django database alias, and the runtime's block stack, whose requests' writes carry their actor.

    That is the database of a ``django_runtime()`` that has the audit hook installed.
    """
    if runtime is None or not isinstance(runtime.outer_transaction, ApplicationBlock):
        return None
    from opsgen.audit.hook import audit_hook

    stack = atomic_stack(runtime.engine)
    if audit_hook not in runtime.on_transaction_begin or stack is None:
        return None
    return runtime.outer_transaction.using, stack
