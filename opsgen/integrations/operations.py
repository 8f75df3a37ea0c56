"""Find an application's operations by name, for entry points that receive a name.

A worker or a consumer gets the operation as a string (``billing.generate_invoices``)
and needs its handle. :func:`index_operations` walks the generated registry (``ops``,
whose attributes are domain objects whose attributes are handles) and returns the
handles by name. It also accepts a mapping of handles or an iterable of them, for
applications that assemble their operations by hand.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cached_property
from typing import Any

from opsgen.runtime.handle import OperationHandle
from opsgen.runtime.runtime import Runtime

#: Maximum depth of attributes :func:`index_operations` follows: registry, domain, handle.
MAX_DEPTH = 4

Handles = dict[str, OperationHandle[Any, Any]]


class UnknownOperation(LookupError):
    """A message names an operation the application's registry does not have."""


def index_operations(registry: object, runtime: Runtime | None = None) -> Handles:
    """Return every handle reachable from ``registry``, by operation name.

    With ``runtime``, handles that are not bound to a runtime are bound to it, so a
    worker runs them on the runtime it was given. Raises ``ValueError`` when two
    different handles have the same name or when ``registry`` contains no handle.
    """
    found: Handles = {}
    _collect(registry, found, MAX_DEPTH, set())
    if not found:
        raise ValueError(
            f"no operation handles found in {registry!r}; pass the generated registry "
            "(such as `from app.generated.registry import ops`), a dict of handles or a list of them"
        )
    if runtime is not None:
        found = {name: handle if handle.runtime else handle.bind(runtime) for name, handle in found.items()}
    return found


def lookup(handles: Mapping[str, OperationHandle[Any, Any]], name: str) -> OperationHandle[Any, Any]:
    """Return the handle of operation ``name``; raise :class:`UnknownOperation` naming the known ones."""
    handle = handles.get(name)
    if handle is None:
        known = ", ".join(sorted(handles)) or "none"
        raise UnknownOperation(f"unknown operation {name!r}; this registry has: {known}")
    return handle


def _collect(value: object, found: Handles, depth: int, seen: set[int]) -> None:
    if isinstance(value, OperationHandle):
        _add(found, value)
        return
    if depth == 0 or id(value) in seen or isinstance(value, (str, bytes, int, float, bool, type(None))):
        return
    seen.add(id(value))

    if isinstance(value, Mapping):
        children: Iterable[object] = value.values()
    elif isinstance(value, (list, tuple, set, frozenset)):
        children = value
    elif hasattr(value, "__dict__") and not isinstance(value, type):
        # A generated registry builds each handle on first read, in a cached property.
        lazy = [name for name, member in vars(type(value)).items() if isinstance(member, cached_property)]
        names = dict.fromkeys([*vars(value), *lazy])
        children = [getattr(value, name) for name in names if not name.startswith("_")]
    else:
        return
    for child in children:
        _collect(child, found, depth - 1, seen)


def _add(found: Handles, handle: OperationHandle[Any, Any]) -> None:
    existing = found.get(handle.name)
    if existing is not None and existing is not handle and existing.declaration is not handle.declaration:
        raise ValueError(f"two different handles are named {handle.name!r}")
    found.setdefault(handle.name, handle)
