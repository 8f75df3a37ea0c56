"""Translate spec type expressions into Python annotations.

A type expression is a scalar (``str``, ``int``, ``float``, ``bool``, ``decimal``,
``date``, ``datetime``, ``uuid``), the name of a shared type, ``list[T]`` or ``map[T]``
(string keys), nested to any depth. The translation records which imports the
annotation needs, so each generated module imports exactly what it uses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

#: Spec scalar -> (annotation, import line or None).
SCALARS: dict[str, tuple[str, str | None]] = {
    "str": ("str", None),
    "int": ("int", None),
    "float": ("float", None),
    "bool": ("bool", None),
    "decimal": ("Decimal", "from decimal import Decimal"),
    "date": ("date", "from datetime import date"),
    "datetime": ("datetime", "from datetime import datetime"),
    "uuid": ("UUID", "from uuid import UUID"),
}

_SHARED_NAME = re.compile(r"[A-Z][A-Za-z0-9]*")
_CONTAINER = re.compile(r"(list|map)\[(.*)\]")


class TypeExpressionError(ValueError):
    """A type expression that is malformed or names an unknown type."""


@dataclass
class Imports:
    """Import lines and shared type names a generated module needs."""

    lines: set[str] = field(default_factory=set)
    shared: set[str] = field(default_factory=set)

    def merge(self, other: Imports) -> None:
        self.lines |= other.lines
        self.shared |= other.shared


@dataclass(frozen=True)
class ResolvedType:
    """A type expression translated to Python."""

    annotation: str
    #: The spec scalar at the top level (``decimal``), ``list``, ``map``, or ``shared``.
    base: str
    #: Names of the shared types the expression refers to, at any depth.
    shared: frozenset[str]


def resolve(expression: str, shared_types: frozenset[str], imports: Imports) -> ResolvedType:
    """Translate ``expression`` and add what it needs to ``imports``.

    Raises :class:`TypeExpressionError` naming the unknown type and the valid choices.
    """
    text = expression.replace(" ", "")
    if text in SCALARS:
        annotation, line = SCALARS[text]
        if line is not None:
            imports.lines.add(line)
        return ResolvedType(annotation, text, frozenset())

    container = _CONTAINER.fullmatch(text)
    if container is not None:
        kind, inner_text = container.groups()
        inner = resolve(inner_text, shared_types, imports)
        annotation = f"list[{inner.annotation}]" if kind == "list" else f"dict[str, {inner.annotation}]"
        return ResolvedType(annotation, kind, inner.shared)

    if _SHARED_NAME.fullmatch(text) and text in shared_types:
        imports.shared.add(text)
        return ResolvedType(text, "shared", frozenset({text}))

    known = ", ".join(sorted(SCALARS)) + (", " + ", ".join(sorted(shared_types)) if shared_types else "")
    raise TypeExpressionError(
        f"unknown type {expression!r}: use one of {known}, list[T] or map[T]"
    )
