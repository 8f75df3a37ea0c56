"""The one result type every operation call returns.

A call never raises for a failure of the operation itself: it returns :class:`Failure`
with a code, a message and details, or :class:`Success` with the typed output. Both
carry the execution id, so a caller can always find the execution log record.
:meth:`Success.unwrap` and :meth:`Failure.unwrap` turn the result back into a value or
an exception for callers that prefer exceptions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, NoReturn, TypeVar, Union

T = TypeVar("T")


class OperationFailed(Exception):
    """Raised by operation code to fail with a declared error code.

    The pipeline turns it into a :class:`Failure` with the same code, message and
    details, and records the execution as failed without a traceback, because a
    declared error is an expected outcome.
    """

    def __init__(self, code: str, message: str, details: Mapping[str, Any] | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.details: dict[str, Any] = dict(details or {})


class UnwrapError(Exception):
    """Raised by :meth:`Failure.unwrap`; carries the failure's code, message and details."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(
            f"{failure.code}: {failure.message} (execution {failure.execution_id})"
        )
        self.failure = failure
        self.code = failure.code
        self.message = failure.message
        self.details = failure.details
        self.execution_id = failure.execution_id


@dataclass(frozen=True)
class Success(Generic[T]):
    """A call that succeeded: ``value`` is the validated output model."""

    value: T
    execution_id: str | None
    ok: Literal[True] = field(default=True, init=False)

    def unwrap(self) -> T:
        """Return the output."""
        return self.value


@dataclass(frozen=True)
class Failure:
    """A call that failed: a machine-readable code, a message for people, and details.

    The pipeline always sets ``execution_id``, with the execution log disabled too; it
    is ``None`` only for a failure built by hand.
    """

    code: str
    message: str
    execution_id: str | None
    details: Mapping[str, Any] = field(default_factory=dict)
    ok: Literal[False] = field(default=False, init=False)

    def unwrap(self) -> NoReturn:
        """Raise :class:`UnwrapError` with this failure's code and message."""
        raise UnwrapError(self)


Result = Union[Success[T], Failure]
