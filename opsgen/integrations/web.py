"""What every web integration does with a request: its request id and its context.

The request id comes from a header (``X-Request-ID`` by default) when the client sent
a usable one, or is a fresh UUID. A usable id has 1 to 200 printable ASCII
characters, so a client cannot fill the execution log with arbitrary bytes. The actor
and organization come from hooks the application supplies, because only the application
authenticates its users.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Generic, TypeVar

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
