"""The message of a queued call: what a sender puts on the queue and a worker reads back."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from opsgen.integrations.background.database import aware


class MalformedMessage(ValueError):
    """A queued message that cannot be read as an operation call."""


@dataclass(frozen=True)
class QueuedCall:
    """The message that crosses the queue: the call, and the fields of its pending record.

    ``input`` is the validated input in JSON form, sensitive fields included, because
    the operation needs them; only the execution log redacts them. ``parent_id``,
    ``root_id``, ``operation_version`` and ``created_at`` let a worker rebuild the
    pending record when the log has lost it (see :func:`claim`). Messages from senders
    older than these fields lack them, and such a call is rebuilt as its own root.
    """

    operation: str
    execution_id: str
    input: dict[str, Any]
    context: dict[str, Any]
    queue: str = "default"
    parent_id: str | None = None
    root_id: str | None = None
    operation_version: int | None = None
    created_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the message body, plain JSON."""
        return {
            "operation": self.operation,
            "execution_id": self.execution_id,
            "input": self.input,
            "context": self.context,
            "queue": self.queue,
            "parent_id": self.parent_id,
            "root_id": self.root_id,
            "operation_version": self.operation_version,
            "created_at": self.created_at.isoformat() if self.created_at is not None else None,
        }

    @classmethod
    def from_dict(cls, data: object) -> QueuedCall:
        """Read a message body; raise :class:`MalformedMessage` naming the first bad field."""
        if not isinstance(data, Mapping):
            raise MalformedMessage(f"message body must be a JSON object, not {type(data).__name__}")
        for key, kind in (("operation", str), ("execution_id", str), ("input", dict), ("context", dict)):
            if not isinstance(data.get(key), kind):
                raise MalformedMessage(f"message field {key!r} is missing or not a {kind.__name__}")
        for key in ("parent_id", "root_id", "created_at"):
            if data.get(key) is not None and not isinstance(data[key], str):
                raise MalformedMessage(f"message field {key!r} must be a string or null")
        version = data.get("operation_version")
        if version is not None and (isinstance(version, bool) or not isinstance(version, int)):
            raise MalformedMessage("message field 'operation_version' must be an integer or null")
        return cls(
            operation=data["operation"],
            execution_id=data["execution_id"],
            input=dict(data["input"]),
            context=dict(data["context"]),
            queue=str(data.get("queue") or "default"),
            parent_id=data.get("parent_id"),
            root_id=data.get("root_id"),
            operation_version=version,
            created_at=_read_created_at(data.get("created_at")),
        )


def _read_created_at(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return aware(datetime.fromisoformat(value))
    except ValueError as exc:
        raise MalformedMessage(f"message field 'created_at' is not an ISO 8601 time: {value!r}") from exc
