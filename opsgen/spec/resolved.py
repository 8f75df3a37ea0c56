"""The resolved view of spec fields that code generation works from.

Specs write types as strings (``list[Money]``) and fields in shorthand or long form. The
loader turns every field into a :class:`ResolvedField` whose :data:`TypeRef` selects what
to generate: a scalar, a list, a string-keyed map, an inline enum or a shared type.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal, Union

from opsgen.spec.model import EffectKind, RetrySpec
from opsgen.spec.typeexpr import ScalarKind

#: The Python annotation of each scalar kind, as generated code spells it.
SCALAR_ANNOTATIONS: dict[str, str] = {
    "str": "str",
    "int": "int",
    "float": "float",
    "bool": "bool",
    "decimal": "Decimal",
    "date": "date",
    "datetime": "datetime",
    "uuid": "UUID",
}

SharedKind = Literal["alias", "enum", "object"]


@dataclass(frozen=True)
class ScalarType:
    kind: ScalarKind

    @property
    def python_annotation(self) -> str:
        return SCALAR_ANNOTATIONS[self.kind]


@dataclass(frozen=True)
class ListType:
    item: TypeRef

    @property
    def python_annotation(self) -> str:
        return f"list[{self.item.python_annotation}]"


@dataclass(frozen=True)
class MapType:
    """A mapping with string keys."""

    value: TypeRef

    @property
    def python_annotation(self) -> str:
        return f"dict[str, {self.value.python_annotation}]"


@dataclass(frozen=True)
class SharedTypeRef:
    """A reference to a type declared in a ``kind: types`` file."""

    name: str
    kind: SharedKind

    @property
    def python_annotation(self) -> str:
        return self.name


@dataclass(frozen=True)
class EnumMember:
    """One enum value and its Python member name (see :func:`opsgen.spec.names.enum_member_name`)."""

    name: str
    value: str


@dataclass(frozen=True)
class InlineEnum:
    """An enum declared on the field itself; ``class_name`` is unique within the generated module."""

    class_name: str
    members: tuple[EnumMember, ...]

    @property
    def python_annotation(self) -> str:
        return self.class_name


TypeRef = Union[ScalarType, ListType, MapType, SharedTypeRef, InlineEnum]


@dataclass(frozen=True)
class Constraints:
    ge: Decimal | None = None
    gt: Decimal | None = None
    le: Decimal | None = None
    lt: Decimal | None = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    max_digits: int | None = None
    decimal_places: int | None = None

    def as_kwargs(self) -> dict[str, Any]:
        """Return the set constraints as keyword arguments of ``pydantic.Field``."""
        return {name: value for name, value in vars(self).items() if value is not None}

    def __bool__(self) -> bool:
        return bool(self.as_kwargs())


@dataclass(frozen=True)
class ResolvedField:
    """One field, ready for code generation.

    ``default`` is already converted to the field's Python type (``Decimal``, ``date``,
    ``datetime``, ``UUID`` or the enum value string) and is meaningful only when
    ``has_default`` is true. An optional field without a default defaults to ``None``;
    a field with a default is always optional.
    """

    name: str
    type: TypeRef
    optional: bool = False
    has_default: bool = False
    default: Any = None
    constraints: Constraints = field(default_factory=Constraints)
    sensitive: bool = False
    description: str | None = None

    @property
    def required(self) -> bool:
        return not self.optional


@dataclass(frozen=True)
class ResolvedError:
    code: str
    message: str
    http_status: int
    details: tuple[ResolvedField, ...] = ()


@dataclass(frozen=True)
class ResolvedEffect:
    name: str
    kind: EffectKind
    description: str | None
    durable: bool
    retry: RetrySpec
    payload: tuple[ResolvedField, ...] = ()


@dataclass(frozen=True)
class KeyPlaceholder:
    """A ``{name}`` in a lock or singleton key, filled from an input or a context key."""

    name: str
    source: Literal["input", "context"]


@dataclass(frozen=True)
class KeyTemplate:
    """A parsed lock or singleton key such as ``account:{account_id}``."""

    template: str
    parts: tuple[str | KeyPlaceholder, ...]

    @property
    def placeholders(self) -> tuple[KeyPlaceholder, ...]:
        return tuple(part for part in self.parts if isinstance(part, KeyPlaceholder))
