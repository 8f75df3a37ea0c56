"""Logging with the execution's context on every record, as text or JSON.

:class:`ContextFilter` goes on a handler. For every record that passes through it,
it sets ``execution_id``, ``operation``, ``actor``, ``organization``, ``request_id``,
``correlation_id`` and ``parent_execution_id`` from the execution running in the
current context, so records of application code that never imports opsgen carry them
too. Outside an execution these attributes are ``None``, so a format string may always
name them. The filter also replaces the values of the execution's sensitive inputs
with ``***`` in the message and the traceback text.

:func:`configure_logging` installs a handler with the filter on the root logger, with
a text format or :class:`JsonFormatter`.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import datetime, timezone
from typing import IO, Any

from opsgen.runtime.execution import current_execution
from opsgen.runtime.redaction import scrub

#: Record attributes the filter sets.
CONTEXT_FIELDS = (
    "execution_id",
    "operation",
    "actor",
    "organization",
    "request_id",
    "correlation_id",
    "parent_execution_id",
)

#: The text format of :func:`configure_logging`. ``execution_label`` is ``[ID OPERATION] ``
#: inside an execution, ``[ID] `` on a worker's line about a queued one, and empty elsewhere.
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(execution_label)s%(message)s"

#: Attributes every ``LogRecord`` has; the JSON formatter emits any other as an extra field.
_STANDARD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
    "execution_label",
}


class ContextFilter(logging.Filter):
    """Add the current execution's context to each record and scrub its secrets."""

    def filter(self, record: logging.LogRecord) -> bool:
        execution = current_execution()
        if execution is None:
            for name in CONTEXT_FIELDS:
                if not hasattr(record, name):
                    setattr(record, name, None)
            # A worker's line about a queued execution it is not running yet names that execution.
            execution_id = getattr(record, "execution_id", None) or getattr(record, "queued_execution_id", None)
            record.execution_id = execution_id
            record.execution_label = "" if execution_id is None else f"[{execution_id}] "
            return True

        context = execution.context
        record.execution_id = execution.execution_id
        record.operation = execution.declaration.name
        record.actor = context.actor
        record.organization = context.organization
        record.request_id = context.request_id
        record.correlation_id = context.correlation_id
        record.parent_execution_id = execution.parent_execution_id
        record.execution_label = f"[{execution.execution_id} {execution.declaration.name}] "
        if execution.secrets:
            _scrub_record(record, execution.secrets)
        return True


def _scrub_record(record: logging.LogRecord, secrets: tuple[str, ...]) -> None:
    message = record.getMessage()
    cleaned = scrub(message, secrets)
    if cleaned != message:
        record.msg = cleaned
        record.args = None
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = scrub(record.exc_text, secrets)


class JsonFormatter(logging.Formatter):
    """Format each record as one JSON object a line, with context and extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, timezone.utc).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name, value in vars(record).items():
            if name not in _STANDARD_ATTRIBUTES and value is not None:
                data[name] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            data["traceback"] = record.exc_text
        return json.dumps(data, default=str)


def configure_logging(
    level: int | str = logging.INFO, *, json_output: bool = False, stream: IO[str] | None = None
) -> logging.Handler:
    """Add a stream handler with :class:`ContextFilter` to the root logger and return it."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter() if json_output else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level)
    return handler
