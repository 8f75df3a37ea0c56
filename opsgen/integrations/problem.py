"""Failure results as RFC 9457 problem details (``application/problem+json``).

Every web integration maps a :class:`~opsgen.runtime.result.Failure` the same way:
``status`` is the declared error's ``http_status`` (422 unless the spec says otherwise),
or a fixed status for the runtime's own codes; ``code`` and ``execution_id`` are
extension members, so a client can act on the code and support can find the
execution. For a 5xx status the ``detail`` does not repeat the failure message, which
may quote an exception from inside the application, and for ``missing_context`` it is a
plain sentence for the client instead of the developer advice of the message.
"""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

from pydantic import ValidationError

from opsgen.runtime.errors import MissingContextError, enqueue_input_operation
from opsgen.runtime.handle import OperationHandle
from opsgen.runtime.result import Failure, UnwrapError

PROBLEM_CONTENT_TYPE = "application/problem+json"

#: Statuses of the failure codes the runtime itself produces.
RUNTIME_STATUSES = {
    "invalid_input": 422,
    "missing_context": 401,
    "singleton_rejected": 409,
    "singleton_skipped": 409,
    "lock_timeout": 503,
    "lock_unavailable": 503,
    "transaction_rolled_back": 409,
}

#: Status of any other code that no spec declares.
DEFAULT_STATUS = 500


class ProblemMapper:
    """Maps failures to problem documents, with the statuses the registry's specs declare.

    ``type_base`` is the URI that the error code is appended to for ``type``; without it
    ``type`` is ``about:blank`` and ``title`` is the status phrase, as RFC 9457 requires for that type.
    When two operations declare the same code with different statuses, the first one
    found wins.
    """

    def __init__(self, registry: object | None = None, *, type_base: str | None = None) -> None:
        self.type_base = type_base
        self.statuses: dict[str, int] = {}
        self.titles: dict[str, str] = {}
        declared = getattr(registry, "declared_errors", None)
        if isinstance(declared, Mapping):
            # A generated registry lists its errors, so its operation modules stay unimported.
            for code, (status, title) in declared.items():
                self.statuses.setdefault(code, status)
                self.titles.setdefault(code, title)
        elif registry is not None:
            from opsgen.integrations.operations import index_operations

            for handle in index_operations(registry).values():
                self.add(handle)

    def add(self, handle: OperationHandle[Any, Any]) -> None:
        """Learn the declared errors of ``handle``'s operation."""
        for error in handle.declaration.errors:
            self.statuses.setdefault(error.code, error.http_status)
            self.titles.setdefault(error.code, error.message)

    def status(self, code: str) -> int:
        """Return the HTTP status of failure ``code``."""
        return self.statuses.get(code) or RUNTIME_STATUSES.get(code, DEFAULT_STATUS)

    def document(self, failure: Failure | UnwrapError, *, instance: str | None = None) -> dict[str, Any]:
        """Return the problem document of ``failure``.

        ``instance`` is the decoded request path, as the frameworks give it
        (``/orders/bad sku``). The document carries it percent-encoded.
        """
        code = failure.code
        status = self.status(code)
        phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
        if self.type_base:
            problem_type, title = f"{self.type_base}{code}", self.titles.get(code, phrase)
        else:
            problem_type, title = "about:blank", phrase
        document: dict[str, Any] = {
            "type": problem_type,
            "title": title,
            "status": status,
            "detail": client_detail(failure, status),
            "code": code,
            "execution_id": failure.execution_id,
        }
        if instance:
            document["instance"] = instance_reference(instance)
        if status < 500 and failure.details:
            document["details"] = _json_ready(failure.details)
        return document


#: Characters a path keeps as they are: RFC 3986 ``pchar`` and the segment separator.
#: Letters, digits and ``-._~`` are always kept by :func:`urllib.parse.quote`.
PATH_SAFE = "/!$&'()*+,;=:@"


def instance_reference(path: str) -> str:
    """Return the decoded request ``path`` as a URI reference for the ``instance`` member.

    RFC 9457 makes ``instance`` a URI reference, so every other character is
    percent-encoded as UTF-8, ``%`` included, because the path is already decoded.
    """
    return quote(path, safe=PATH_SAFE)


def refused_enqueue(error: MissingContextError) -> Failure:
    """Return the ``missing_context`` failure of an ``enqueue`` that raised ``error``.

    Nothing was recorded, so the failure has no execution id; its problem response is
    the 401 a direct call without the context gets.
    """
    return Failure("missing_context", str(error), None, {"missing": list(error.missing)})


def rejected_enqueue(error: ValidationError) -> Failure | None:
    """Return the ``invalid_input`` failure of an ``enqueue`` that raised ``error``, or ``None``.

    ``None`` means that ``error`` did not come from the input of an ``enqueue``: the
    application raised it, and the integration leaves it alone. Nothing was
    recorded, so the failure has no execution id. The problems name each field and its
    message, never the value.
    """
    from opsgen.runtime.pipeline import input_problems, invalid_input_message

    operation = enqueue_input_operation(error)
    if operation is None:
        return None
    problems = input_problems(error)
    return Failure("invalid_input", invalid_input_message(operation, problems), None, {"errors": problems})


def client_detail(failure: Failure | UnwrapError, status: int) -> str:
    """Return the ``detail`` an HTTP client sees for ``failure``.

    A 5xx failure and a missing context get a plain sentence: the failure message of
    ``missing_context`` advises the developer how to pass a context, which means nothing
    to a client. The full message stays in the log and the execution record.
    """
    if status >= 500:
        return f"the operation failed with {failure.code}"
    if failure.code == "missing_context":
        missing = [str(key) for key in (failure.details or {}).get("missing", [])]
        if "actor" in missing:
            return "authentication required"
        return f"missing request context: {', '.join(missing)}" if missing else "missing request context"
    return failure.message


def _json_ready(details: Mapping[str, Any]) -> dict[str, Any]:
    import json

    loaded: dict[str, Any] = json.loads(json.dumps(dict(details), default=str))
    return loaded
