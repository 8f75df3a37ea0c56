"""Lock and singleton keys built from a template such as ``"account:{account_id}"``.

A template names fields of the operation's input and context in braces. Only plain
names are allowed: no attribute access, indexing or format specs, so a key cannot read
more of an object than the value's ``str()``.
"""

from __future__ import annotations

import functools
import string
from collections.abc import Mapping


class LockKeyError(ValueError):
    """A key template is invalid or names a field the values do not contain."""


@functools.lru_cache(maxsize=1024)
def template_fields(template: str) -> tuple[str, ...]:
    """Return the field names ``template`` uses, in order; raise :class:`LockKeyError` if invalid.

    Cached, because every call of an operation renders the same few templates.
    """
    fields: list[str] = []
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise LockKeyError(f"invalid lock key template {template!r}: {exc}") from exc
    for _, field, format_spec, conversion in parsed:
        if field is None:
            continue
        if not field.isidentifier() or format_spec or conversion:
            raise LockKeyError(
                f"invalid lock key template {template!r}: {{{field}}} must be a plain input or "
                "context name, without attributes, indexes, conversions or format specs"
            )
        fields.append(field)
    return tuple(fields)


def render_lock_key(template: str, values: Mapping[str, object]) -> str:
    """Fill ``template`` with ``str()`` of the named values.

    Raises :class:`LockKeyError` naming a missing field and the fields available.
    """
    rendered: dict[str, str] = {}
    for field in template_fields(template):
        if field not in values:
            available = ", ".join(sorted(values)) or "none"
            raise LockKeyError(f"lock key template {template!r} uses {{{field}}}, which is not an input or context key (available: {available})")
        rendered[field] = str(values[field])
    return template.format_map(rendered)
