"""What every web integration does with a request: its request id, its context and its body.

The request id comes from a header (``X-Request-ID`` by default) when the client sent
a usable one, or is a fresh UUID. A usable id has 1 to 200 printable ASCII
characters, so a client cannot fill the execution log with arbitrary bytes. The actor
and organization come from hooks the application supplies, because only the application
authenticates its users. :func:`merged_input` adds path parameters to a decoded body
without turning a body that is not an object into a ``TypeError``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

from opsgen.runtime.context import Context

RequestT = TypeVar("RequestT")

DEFAULT_REQUEST_ID_HEADER = "X-Request-ID"
MAX_REQUEST_ID_LENGTH = 200


def request_id_from(header_value: str | None) -> str:
    """Return the client's request id when it is usable, else a fresh one."""
    if header_value and len(header_value) <= MAX_REQUEST_ID_LENGTH and header_value.isprintable() and header_value.isascii():
        return header_value
    return uuid.uuid4().hex


class ContextBuilder(Generic[RequestT]):
    """Builds a request's :class:`Context` from the application's hooks."""

    def __init__(
        self,
        actor: Callable[[RequestT], str | None] | None = None,
        organization: Callable[[RequestT], str | None] | None = None,
        request_id_header: str = DEFAULT_REQUEST_ID_HEADER,
    ) -> None:
        self.actor = actor
        self.organization = organization
        self.request_id_header = request_id_header

    def build(self, request: RequestT, header_value: str | None) -> Context:
        """Return the context of ``request``; ``header_value`` is its request id header."""
        return Context(
            actor=self.actor(request) if self.actor else None,
            organization=self.organization(request) if self.organization else None,
            request_id=request_id_from(header_value),
        )


def merged_input(body: object, /, **fields: object) -> Any:
    """Return a decoded request ``body`` with ``fields``, such as path parameters, added, for ``call_with``.

    A mapping body gives a new dict of its keys and ``fields``. A field also present in
    the body takes the value of ``fields``, so the operation acts on the resource that
    the URL names. Any other body (a list, a string, a number or ``None``) is returned
    unchanged, because spreading it raises ``TypeError`` before the pipeline runs:
    ``call_with`` then records it as the ``invalid_input`` failure that names the
    operation's fields.
    """
    if isinstance(body, Mapping):
        return {**body, **fields}
    return body
