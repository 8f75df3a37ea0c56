"""Translate spec type expressions into Python annotations.

A type expression is a scalar (``str``, ``int``, ``float``, ``bool``, ``decimal``,
``date``, ``datetime``, ``uuid``), the name of a shared type, ``list[T]`` or ``map[T]``
(string keys), nested to any depth. The translation records which imports the
annotation needs, so each generated module imports exactly what it uses.

:class:`AnnotationResolver` works the other way round: it reduces a Python annotation,
written by the generator or by a user, to a canonical form, so that two spellings of
one type (an alias and its target, ``Optional[X]`` and ``X | None``) compare equal.
"""

from __future__ import annotations

import ast
import builtins
import re
from collections.abc import Hashable, Iterable, Mapping
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


# -- comparing annotations by the type they denote -------------------------------------

#: A name bound in a module: its qualified name, or None when the module binds it to
#: something other than an import (a class, an assignment), which is never compared.
Names = Mapping[str, "str | None"]

#: Type of a canonical annotation: nested tuples of strings and frozensets, so that two
#: annotations that denote the same type compare equal.
Canonical = Hashable

#: ``typing`` names that denote the same type as a builtin class.
_BUILTIN_SPELLINGS = {
    "typing.List": "builtins.list",
    "typing.Dict": "builtins.dict",
    "typing.Set": "builtins.set",
    "typing.FrozenSet": "builtins.frozenset",
    "typing.Tuple": "builtins.tuple",
    "typing.Type": "builtins.type",
    "typing.Text": "builtins.str",
}

_NONE: Canonical = ("none",)


class UnresolvedAnnotation(ValueError):
    """An annotation that names something this module cannot resolve to an import."""


def import_names(lines: Iterable[str]) -> dict[str, str | None]:
    """Return the names that ``from module import a, b`` lines bind, with their qualified names."""
    names: dict[str, str | None] = {}
    for line in lines:
        module, _, imported = line.removeprefix("from ").partition(" import ")
        for name in imported.split(","):
            names[name.strip()] = f"{module}.{name.strip()}"
    return names


def module_names(tree: ast.Module, module: str) -> dict[str, str | None]:
    """Return what each top-level name of ``tree``, the source of ``module``, refers to.

    Imports count wherever they sit at the top level, including ``if TYPE_CHECKING:``
    blocks and ``try``/``except ImportError`` fallbacks. A name that two statements bind
    differently, or that a class, function or assignment binds, maps to None. A star
    import binds ``"*"``, so names the file does not bind itself stay unresolved.
    """
    names: dict[str, str | None] = {}

    def bind(name: str, qualified: str | None) -> None:
        if name in names and names[name] != qualified:
            qualified = None
        names[name] = qualified

    pending: list[ast.stmt] = list(tree.body)
    while pending:
        statement = pending.pop(0)
        if isinstance(statement, ast.Import):
            for alias in statement.names:
                if alias.asname is not None:
                    bind(alias.asname, alias.name)
                else:
                    top = alias.name.split(".")[0]
                    bind(top, top)
        elif isinstance(statement, ast.ImportFrom):
            source = _absolute_module(statement, module)
            for alias in statement.names:
                if alias.name == "*":
                    bind("*", source)
                elif source is not None:
                    bind(alias.asname or alias.name, f"{source}.{alias.name}")
                else:
                    bind(alias.asname or alias.name, None)
        elif isinstance(statement, (ast.If, ast.Try)):
            handlers = [h for block in getattr(statement, "handlers", []) for h in block.body]
            pending.extend([*statement.body, *statement.orelse, *handlers])
        else:
            for name in bound_names(statement):
                bind(name, None)
    return names


def bound_names(statement: ast.stmt) -> list[str]:
    """Return the names a class, function or assignment statement binds in its scope."""
    if isinstance(statement, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
        return [statement.name]
    if isinstance(statement, ast.Assign):
        targets = statement.targets
    elif isinstance(statement, (ast.AnnAssign, ast.AugAssign)):
        targets = [statement.target]
    else:
        return []
    return [node.id for target in targets for node in ast.walk(target) if isinstance(node, ast.Name)]


def _absolute_module(statement: ast.ImportFrom, module: str) -> str | None:
    """Return the module a ``from`` import reads, resolving a relative one against ``module``."""
    if not statement.level:
        return statement.module
    parts = module.split(".")
    if statement.level >= len(parts):
        return None
    base = ".".join(parts[: len(parts) - statement.level])
    return f"{base}.{statement.module}" if statement.module else base


class AnnotationResolver:
    """Reduce annotations to a canonical form, so equal forms denote the same static type.

    The rules, each of which type checkers (mypy, pyright) apply too:

    - a name is its qualified import name, so ``Decimal``, ``decimal.Decimal`` and
      ``D`` after ``from decimal import Decimal as D`` are the same, and
      ``typing_extensions.X`` is ``typing.X``;
    - a type alias is its target (``aliases``), and ``Annotated[X, ...]`` is ``X``;
    - ``typing.List``, ``Dict``, ``Set``, ``FrozenSet``, ``Tuple``, ``Type`` and
      ``Text`` are the builtins;
    - ``Optional[X]``, ``Union[X, None]``, ``X | None`` and ``None | X`` are one union,
      whose members are unordered and flattened, and ``Literal`` values are a set;
    - a string annotation is the expression it contains.

    Anything else is compared as written, so a supertype, ``Any`` or a bare ``list``
    never matches a narrower type. An annotation with a name that is not imported, or a
    name the module binds some other way, raises :class:`UnresolvedAnnotation`.
    """

    def __init__(self, aliases: Mapping[str, tuple[str, Names]]) -> None:
        #: Qualified alias name -> (target annotation, names of the alias's module).
        self.aliases = aliases
        self._expanding: set[str] = set()

    def canonical(self, annotation: ast.expr, names: Names) -> Canonical:
        if isinstance(annotation, ast.Constant):
            if annotation.value is None:
                return _NONE
            if isinstance(annotation.value, str):
                try:
                    inner = ast.parse(annotation.value.strip(), mode="eval").body
                except SyntaxError:
                    raise UnresolvedAnnotation(f"invalid string annotation {annotation.value!r}") from None
                return self.canonical(inner, names)
            if annotation.value is Ellipsis:
                return ("ellipsis",)
            raise UnresolvedAnnotation(f"unexpected constant {annotation.value!r}")
        if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
            return _union([self.canonical(annotation.left, names), self.canonical(annotation.right, names)])
        if isinstance(annotation, ast.Subscript):
            return self._subscript(annotation, names)
        return self._named(self.qualified(annotation, names))

    def qualified(self, annotation: ast.expr, names: Names) -> str:
        """Return the qualified name of a name or attribute chain, with ``typing`` spellings unified."""
        attributes: list[str] = []
        node = annotation
        while isinstance(node, ast.Attribute):
            attributes.insert(0, node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            raise UnresolvedAnnotation(f"unsupported annotation {ast.unparse(annotation)}")
        if node.id in names:
            base = names[node.id]
        elif "*" not in names and node.id in _BUILTINS:
            base = f"builtins.{node.id}"
        else:
            base = None
        if base is None:
            raise UnresolvedAnnotation(f"{node.id} is not an imported name")
        qualified = ".".join([base, *attributes])
        if qualified.startswith("typing_extensions."):
            qualified = "typing." + qualified.removeprefix("typing_extensions.")
        return _BUILTIN_SPELLINGS.get(qualified, qualified)

    def _named(self, qualified: str) -> Canonical:
        if qualified in {"builtins.None", "types.NoneType"}:
            return _NONE
        if qualified not in self.aliases:
            return ("class", qualified)
        if qualified in self._expanding:
            raise UnresolvedAnnotation(f"type alias {qualified} refers to itself")
        target, names = self.aliases[qualified]
        self._expanding.add(qualified)
        try:
            return self.canonical(ast.parse(target, mode="eval").body, names)
        finally:
            self._expanding.discard(qualified)

    def _subscript(self, annotation: ast.Subscript, names: Names) -> Canonical:
        origin = self.qualified(annotation.value, names)
        arguments = annotation.slice.elts if isinstance(annotation.slice, ast.Tuple) else [annotation.slice]
        if origin == "typing.Annotated":
            return self.canonical(arguments[0], names)
        if origin == "typing.Literal":
            return ("literal", frozenset(_literal_value(argument) for argument in arguments))
        members = [self.canonical(argument, names) for argument in arguments]
        if origin == "typing.Optional":
            return _union([*members, _NONE])
        if origin == "typing.Union":
            return _union(members)
        if origin in self.aliases:
            raise UnresolvedAnnotation(f"generic type alias {origin} is not compared")
        return ("generic", origin, tuple(members))


_BUILTINS = frozenset(name for name in dir(builtins) if not name.startswith("_"))


def _literal_value(node: ast.expr) -> tuple[str, object]:
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, int, bool, bytes)):
        return (type(node.value).__name__, node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant):
        if type(node.operand.value) is int:
            return ("int", -node.operand.value)
    raise UnresolvedAnnotation(f"unsupported Literal value {ast.unparse(node)}")


def _union(members: Iterable[Canonical]) -> Canonical:
    """Return the union of ``members``: flattened, unordered, with Literal values merged."""
    flat: set[Canonical] = set()
    literals: set[object] = set()
    for member in members:
        parts = member[1] if isinstance(member, tuple) and member[0] == "union" else {member}
        for part in parts:
            if isinstance(part, tuple) and part[0] == "literal":
                literals |= part[1]
            else:
                flat.add(part)
    if literals:
        flat.add(("literal", frozenset(literals)))
    if len(flat) == 1:
        return next(iter(flat))
    return ("union", frozenset(flat))
