"""Connecting audit capture to the runtime.

:func:`install` adds an ``on_transaction_begin`` hook to a runtime. The pipeline calls it
once per outermost transaction, before operation code runs, and the hook writes the
execution id, actor, operation name, trace id and the entities the operation declares it
changes into the audit context of that transaction. Nested operations that join or
savepoint the transaction write under the context of the outermost execution.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from opsgen.audit.config import AuditConfig
from opsgen.audit.context import AuditContext, set_audit_context

if TYPE_CHECKING:
    from opsgen.runtime.execution import ExecutionInfo
    from opsgen.runtime.runtime import Runtime

logger = logging.getLogger(__name__)

#: Returns the entities an operation declares it changes (its spec's ``audit.changes``),
#: or None when it is unknown, given the operation's name.
ExpectedChanges = Callable[[str], "tuple[str, ...] | None"]


def context_for(info: ExecutionInfo, expected: tuple[str, ...] | None) -> AuditContext:
    """Build the audit context of an execution."""
    context = info.context
    trace_id = context.correlation_id or context.request_id
    return AuditContext(
        execution_id=info.execution_id,
        actor=context.actor,
        operation=info.operation,
        trace_id=trace_id,
        expected_entities=expected,
    )


def audit_hook(expected_changes: ExpectedChanges | None = None) -> Callable[[sa.Connection, ExecutionInfo], None]:
    """Return an ``on_transaction_begin`` hook that sets the audit context.

    The declared entities come from ``info.audit_changes`` when the runtime provides it,
    else from ``expected_changes``; with neither, changes are recorded but not judged.
    """

    def set_context(connection: sa.Connection, info: ExecutionInfo) -> None:
        declared: Any = getattr(info, "audit_changes", None)
        if declared is None and expected_changes is not None:
            declared = expected_changes(info.operation)
        expected = None if declared is None else tuple(declared)
        set_audit_context(connection, context_for(info, expected))

    return set_context


def install(
    runtime: Runtime,
    config: AuditConfig | None = None,
    *,
    expected_changes: ExpectedChanges | Mapping[str, tuple[str, ...]] | None = None,
) -> None:
    """Make every outermost transaction of ``runtime`` carry the audit context.

    ``config`` is only validated against ``expected_changes`` here: a declared entity
    that the configuration does not audit is logged as a warning, because changes to it
    can never be recorded. Installing the triggers is a schema change and belongs to
    migrations or ``opsgen audit install``.
    """
    lookup: ExpectedChanges | None
    if isinstance(expected_changes, Mapping):
        table = dict(expected_changes)

        def lookup(operation: str) -> tuple[str, ...] | None:
            return table.get(operation)

        if config is not None:
            for operation, entities in table.items():
                for name in entities:
                    if name not in config.entities:
                        logger.warning(
                            "operation %s declares audit changes to %s, which is not an audited entity", operation, name
                        )
    else:
        lookup = expected_changes

    hook = audit_hook(lookup)
    runtime.on_transaction_begin.append(hook)
