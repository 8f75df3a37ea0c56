"""Type expressions: the small language of field types in specs.

Grammar (spaces around brackets are allowed)::

    type    := scalar | Name | "list[" type "]" | "map[" type "]"
    scalar  := "str" | "int" | "float" | "bool" | "decimal" | "date" | "datetime" | "uuid"
    Name    := an uppercase letter followed by letters and digits (a shared type)

``map[T]`` always has string keys. Parsing is purely syntactic: whether ``Name`` exists
is checked by the loader against the shared types.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Literal, Union

ScalarKind = Literal["str", "int", "float", "bool", "decimal", "date", "datetime", "uuid"]
SCALAR_KINDS: tuple[ScalarKind, ...] = ("str", "int", "float", "bool", "decimal", "date", "datetime", "uuid")

_SCALAR_BY_NAME: dict[str, ScalarKind] = {kind: kind for kind in SCALAR_KINDS}

#: Maximum nesting of ``list[...]`` and ``map[...]`` in one expression.
MAX_TYPE_DEPTH = 8

SHARED_TYPE_NAME = re.compile(r"^[A-Z][A-Za-z0-9]*$")
_TOKEN = re.compile(r"\s*(?:(?P<word>[A-Za-z_][A-Za-z0-9_]*)|(?P<punct>[\[\],])|(?P<other>\S))")

#: Spellings from other languages, with the expression to write instead.
_KNOWN_MISTAKES: dict[str, str] = {
    "string": "str",
    "integer": "int",
    "number": "float or decimal",
    "boolean": "bool",
    "double": "float",
    "timestamp": "datetime",
    "time": "datetime",
    "object": "a shared type name declared in a `kind: types` file",
    "any": "a concrete type: specs have no untyped fields",
    "Any": "a concrete type: specs have no untyped fields",
    "dict": "map[T] (keys are always strings)",
    "Dict": "map[T] (keys are always strings)",
    "List": "list[T]",
    "array": "list[T]",
    "optional": "the field's `optional: true` setting",
    "Optional": "the field's `optional: true` setting",
    "Decimal": "decimal",
    "UUID": "uuid",
    "Date": "date",
    "DateTime": "datetime",
    "Datetime": "datetime",
}


@dataclass(frozen=True)
class ScalarExpr:
    kind: ScalarKind


@dataclass(frozen=True)
class ListExpr:
    item: TypeExpr


@dataclass(frozen=True)
class MapExpr:
    value: TypeExpr


@dataclass(frozen=True)
class NameExpr:
    """A reference to a shared type declared in a ``kind: types`` file."""

    name: str


TypeExpr = Union[ScalarExpr, ListExpr, MapExpr, NameExpr]


class TypeExpressionError(ValueError):
    """An invalid type expression; ``offset`` is the 0-based character index of the fault."""

    def __init__(self, message: str, offset: int, hint: str) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset
        self.hint = hint


def parse_type_expression(text: str, known_names: frozenset[str] = frozenset()) -> TypeExpr:
    """Parse ``text``; raise :class:`TypeExpressionError` saying what is wrong and what to write.

    ``known_names`` only improves the hint for a misspelt shared type name.
    """
    tokens: list[tuple[str, str, int]] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            break
        kind = match.lastgroup or "other"
        tokens.append((kind, match.group(kind), match.start(kind)))
        position = match.end()

    parser = _Parser(text, tokens, known_names)
    result = parser.parse_type(depth=1)
    if parser.index < len(tokens):
        _, value, offset = tokens[parser.index]
        raise TypeExpressionError(
            f"unexpected {value!r} after the end of the type {text[:offset].strip()!r}",
            offset,
            "a type expression is one type, such as `list[Money]`",
        )
    return result


class _Parser:
    def __init__(self, text: str, tokens: list[tuple[str, str, int]], known_names: frozenset[str]) -> None:
        self.text = text
        self.tokens = tokens
        self.index = 0
        self.known_names = known_names

    def consumed_text(self) -> str:
        kind, value, offset = self.tokens[self.index - 1]
        return self.text[: offset + len(value)].strip()

    def expect(self, symbol: str, after: str) -> None:
        if self.index >= len(self.tokens):
            raise TypeExpressionError(f"missing {symbol!r} after {after!r}", len(self.text), f"write `{after}{symbol}`")
        kind, value, offset = self.tokens[self.index]
        if value != symbol:
            if value == ",":
                hint = "map[T] takes only the value type, because map keys are always strings"
            elif symbol == "[":
                hint = f"write square brackets around the item type, such as `{after}[str]`"
            else:
                hint = f"close the brackets with ']', such as `{after}]`"
            raise TypeExpressionError(f"expected {symbol!r} but found {value!r}", offset, hint)
        self.index += 1

    def parse_type(self, depth: int) -> TypeExpr:
        if self.index >= len(self.tokens):
            raise TypeExpressionError(
                "a type is missing", len(self.text), "write a scalar such as `str`, a shared type, `list[T]` or `map[T]`"
            )
        kind, word, offset = self.tokens[self.index]
        if kind != "word":
            raise TypeExpressionError(
                f"expected a type name but found {word!r}", offset, "write a scalar such as `str`, a shared type, `list[T]` or `map[T]`"
            )
        self.index += 1

        if word in ("list", "map"):
            if depth >= MAX_TYPE_DEPTH:
                raise TypeExpressionError(
                    f"the type nests more than {MAX_TYPE_DEPTH} levels of list and map", offset, "declare a shared type for the inner part"
                )
            self.expect("[", self.consumed_text())
            inner = self.parse_type(depth + 1)
            self.expect("]", self.consumed_text())
            return ListExpr(inner) if word == "list" else MapExpr(inner)

        if word in SCALAR_KINDS:
            return ScalarExpr(_SCALAR_BY_NAME[word])
        if SHARED_TYPE_NAME.match(word) and word not in _KNOWN_MISTAKES:
            return NameExpr(word)
        raise TypeExpressionError(f"unknown type {word!r}", offset, suggest_type(word, self.known_names))


def suggest_type(word: str, known_names: frozenset[str]) -> str:
    """Return a hint naming the type ``word`` most likely meant."""
    if word in _KNOWN_MISTAKES:
        return f"write {_KNOWN_MISTAKES[word]}"
    candidates = list(SCALAR_KINDS) + sorted(known_names) + ["list", "map"]
    close = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    if close:
        return f"did you mean {close[0]!r}?"
    return (
        "use a scalar (str, int, float, bool, decimal, date, datetime, uuid), list[T], map[T], "
        "or a shared type name in CamelCase"
    )


def referenced_names(expr: TypeExpr) -> list[str]:
    """Return the shared type names ``expr`` mentions, outermost first."""
    names: list[str] = []
    node: TypeExpr = expr
    while True:
        if isinstance(node, (ListExpr, MapExpr)):
            node = node.item if isinstance(node, ListExpr) else node.value
            continue
        if isinstance(node, NameExpr):
            names.append(node.name)
        return names
