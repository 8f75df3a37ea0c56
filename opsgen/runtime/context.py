"""The caller's context: who acts, for which organization, under which request.

The context travels through :mod:`contextvars`, so it follows the code that runs for a
request across function calls, threads started with ``contextvars.copy_context`` and
``asyncio`` tasks, without being passed by hand. It is an immutable value: changing it
means building a new one and installing it with :func:`use_context`, so no code can
alter what an outer caller sees.

A context crosses a queue boundary as the plain dict of :meth:`Context.to_dict`, which
holds only strings and ``None``.
"""

from __future__ import annotations

import contextvars
import dataclasses
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from opsgen.runtime.context_keys import near_builtin_context_key

#: Context keys with a field of their own; any other key lives in ``Context.extra``.
STANDARD_KEYS = ("actor", "organization", "request_id", "correlation_id", "parent_execution_id")


@dataclass(frozen=True)
class Context:
    """Who runs an operation and on whose behalf, plus application keys in ``extra``."""

    actor: str | None = None
    organization: str | None = None
    request_id: str | None = None
    correlation_id: str | None = None
    parent_execution_id: str | None = None
    extra: Mapping[str, str] = field(default_factory=dict)

    def get(self, key: str) -> str | None:
        """Return the value of a standard key or of an ``extra`` key, ``None`` when unset."""
        if key in STANDARD_KEYS:
            value: str | None = getattr(self, key)
            return value
        return self.extra.get(key)

    def replace(self, *, extra: Mapping[str, Any] | None = None, **changes: Any) -> Context:
        """Return a copy with ``changes`` applied; keys that are not standard go to ``extra``.

        Raises ``TypeError`` for a key that looks like a misspelt standard key, such as
        ``organisation``, by the rule the spec loader applies to custom context keys.
        The ``extra`` mapping is merged as it is, so it can set such a key on purpose.
        """
        standard = {key: value for key, value in changes.items() if key in STANDARD_KEYS}
        custom = {key: str(value) for key, value in changes.items() if key not in STANDARD_KEYS}
        for key in custom:
            builtin = near_builtin_context_key(key, STANDARD_KEYS)
            if builtin is not None:
                raise TypeError(
                    f"unknown context key {key!r}. Did you mean {builtin!r}? A custom key this close to a "
                    f"built-in one is rejected as a likely typo. To set it anyway, pass extra={{{key!r}: ...}}"
                )
        if extra:
            custom = {**{str(key): str(value) for key, value in extra.items()}, **custom}
        if custom:
            standard["extra"] = {**self.extra, **custom}
        return dataclasses.replace(self, **standard)

    def to_dict(self) -> dict[str, Any]:
        """Return the context as a JSON-ready dict, the form it takes on a queue."""
        data: dict[str, Any] = {key: getattr(self, key) for key in STANDARD_KEYS}
        data["extra"] = dict(self.extra)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Context:
        """Rebuild a context from :meth:`to_dict` output.

        Raises ``ValueError`` when ``data`` or its ``extra`` is not a mapping, or has
        unknown keys: the data often comes from a message that anyone could have sent.
        """
        if not isinstance(data, Mapping):
            raise ValueError(f"a context must be a mapping of context keys, not {type(data).__name__} {data!r:.60}")
        extra_data = data.get("extra") or {}
        if not isinstance(extra_data, Mapping):
            raise ValueError(
                f"the context's 'extra' must be a mapping of names to values, not "
                f"{type(extra_data).__name__} {extra_data!r:.60}"
            )
        unknown = set(data) - set(STANDARD_KEYS) - {"extra"}
        if unknown:
            raise ValueError(
                f"unknown context keys {sorted(unknown)}; expected {list(STANDARD_KEYS)} and 'extra'"
            )
        values = {key: _optional_str(data.get(key)) for key in STANDARD_KEYS}
        extra = {str(key): str(value) for key, value in extra_data.items()}
        return cls(extra=extra, **values)


def _optional_str(value: Any) -> str | None:
    return None if value is None else str(value)


EMPTY_CONTEXT = Context()

_current: contextvars.ContextVar[Context] = contextvars.ContextVar("opsgen_context", default=EMPTY_CONTEXT)


def current_context() -> Context:
    """Return the context installed by the innermost :func:`use_context`, or an empty one."""
    return _current.get()


@contextmanager
def use_context(ctx: Context) -> Iterator[Context]:
    """Install ``ctx`` as the current context for the ``with`` block, then restore the previous one."""
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)


@contextmanager
def bind_context(*, extra: Mapping[str, Any] | None = None, **changes: Any) -> Iterator[Context]:
    """Install the current context with ``changes`` applied for the ``with`` block.

    Keys and errors are those of :meth:`Context.replace`.
    """
    with use_context(current_context().replace(extra=extra, **changes)) as ctx:
        yield ctx
