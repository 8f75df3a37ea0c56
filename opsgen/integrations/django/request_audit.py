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
from opsgen.runtime.context import Context
from opsgen.runtime.runtime import Runtime

#: Sets the transaction-local settings the capture triggers read (see opsgen.audit.context).
SET_CONTEXT_SQL = (
    "SELECT set_config('opsgen.execution_id', '', true), set_config('opsgen.actor', %s, true), "
    "set_config('opsgen.operation', '', true), set_config('opsgen.trace_id', %s, true), "
    "set_config('opsgen.expected', '', true)"
)


class RequestAuditContext:
    """A Django ``execute_wrapper`` that sets the request's audit context once per transaction."""

    def __init__(self, context: Context) -> None:
        self._parameters = (context.actor or "", context.request_id or "")
        # The outermost atomic block and savepoint ids when the context was last set.
        self._block: Any = None
        self._savepoints: tuple[str, ...] = ()

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
        connection = context["connection"]
        if connection.in_atomic_block and not self._still_set(connection):
            execute(SET_CONTEXT_SQL, self._parameters, False, context)
            self._block = connection.atomic_blocks[0]
            self._savepoints = tuple(connection.savepoint_ids)
        return execute(sql, params, many, context)

    def _still_set(self, connection: Any) -> bool:
        """Return whether the context set earlier still holds: same transaction, its savepoint not ended."""
        if connection.atomic_blocks[0] is not self._block:
            return False
        return tuple(connection.savepoint_ids[: len(self._savepoints)]) == self._savepoints


def audited_database(runtime: Runtime | None) -> str | None:
    """Return the Django database alias whose requests' writes should carry their actor, if any.

    That is the database of a ``django_runtime()`` that has the audit hook installed.
    """
    if runtime is None or not isinstance(runtime.outer_transaction, ApplicationBlock):
        return None
    from opsgen.audit.hook import audit_hook

    return runtime.outer_transaction.using if audit_hook in runtime.on_transaction_begin else None
