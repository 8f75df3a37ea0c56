"""Exceptions the runtime raises at the caller or inside operation code.

Failures of an operation are results, not exceptions (see :mod:`opsgen.runtime.result`).
The exceptions here report misuse or missing setup: they name what is missing and how
to provide it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

E = TypeVar("E", bound=BaseException)


class OpsgenRuntimeError(Exception):
    """Base class of the runtime's own exceptions."""


class ConfigurationError(OpsgenRuntimeError):
    """The runtime settings are invalid or incomplete."""


class NoTransactionError(OpsgenRuntimeError):
    """Operation code asked for ``ctx.session`` in an operation without a transaction."""


class TransactionOwnedError(OpsgenRuntimeError):
    """Operation code tried to commit the transaction that the runtime opened for it.

    Like Django's ``TransactionManagementError`` inside an ``atomic`` block: the runtime
    commits when ``run()`` returns, after the record and the durable effects are written.
    """


class EffectHandlerMissing(OpsgenRuntimeError):
    """No handler is registered for an effect's name or kind."""


class IntegrationNotConfigured(OpsgenRuntimeError):
    """A feature needs an integration (Celery, a lock backend) that is not set up."""


class MissingContextError(OpsgenRuntimeError):
    """``enqueue`` was given a context without a key that the operation requires.

    A direct call records such a call as a ``missing_context`` failure. A queued call
    would fail the same way on the worker, after the caller had been told it was
    queued, so ``enqueue`` raises this before anything is recorded or sent.
    """

    def __init__(self, message: str, missing: list[str]) -> None:
        super().__init__(message)
        self.missing = missing


#: Attribute of a ``pydantic.ValidationError`` raised by ``enqueue`` or ``enqueue_with``
#: for invalid input: the name of the operation. The web integrations respond to such an
#: error with an ``invalid_input`` problem response, and leave any other one alone.
ENQUEUE_INPUT_OPERATION = "opsgen_operation"


def mark_enqueue_input_error(error: E, operation: str) -> E:
    """Mark ``error``, raised for the invalid input of an ``enqueue`` of ``operation``, and return it."""
    setattr(error, ENQUEUE_INPUT_OPERATION, operation)
    return error


def enqueue_input_operation(error: BaseException) -> str | None:
    """Return the operation whose ``enqueue`` raised ``error`` for invalid input, else ``None``."""
    operation = getattr(error, ENQUEUE_INPUT_OPERATION, None)
    return operation if isinstance(operation, str) else None


class GuardRejected(OpsgenRuntimeError):
    """Raised by a pipeline guard (singleton, lock) to end a call before it runs.

    The pipeline finishes the execution record with ``status`` (``rejected``,
    ``skipped`` or ``failed``) and returns a failure with ``code``.
    """

    def __init__(
        self, status: str, code: str, message: str, details: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details: dict[str, Any] = dict(details or {})
