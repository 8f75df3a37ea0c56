"""The loaded specs: every operation and shared type, validated and resolved."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from opsgen.spec.model import OperationSpec, SharedTypeSpec, SingletonSpec, TransactionSpec
from opsgen.spec.names import camel_case
from opsgen.spec.resolved import (
    Constraints,
    EnumMember,
    InlineEnum,
    KeyTemplate,
    ResolvedEffect,
    ResolvedError,
    ResolvedField,
    SharedKind,
    TypeRef,
)


@dataclass(frozen=True)
class LoadedType:
    """A shared type from a ``kind: types`` file.

    ``kind`` selects which attributes apply: ``alias_of`` and ``constraints`` for an
    alias, ``members`` for an enum, ``fields`` for an object.
    """

    name: str
    path: Path
    spec: SharedTypeSpec
    kind: SharedKind
    alias_of: TypeRef | None = None
    constraints: Constraints = Constraints()
    members: tuple[EnumMember, ...] = ()
    fields: tuple[ResolvedField, ...] = ()
    inline_enums: tuple[InlineEnum, ...] = ()
    dependencies: frozenset[str] = frozenset()

    @property
    def sensitive(self) -> bool:
        return self.spec.sensitive

    @property
    def description(self) -> str | None:
        return self.spec.description


@dataclass(frozen=True)
class LoadedOperation:
    """One operation spec with its fields resolved.

    ``spec`` is the validated model; the loader expands field shorthand, so every field
    in it is a ``FieldSpec``. ``sensitive_paths`` contains dotted paths of input and output
    values to redact: ``password``, ``card.number`` (through a shared object type) and
    ``cards.*.number`` (``*`` stands for any list index or map key).
    ``sensitive_fields`` holds the last segment of each path, the key names that
    :func:`opsgen.runtime.redaction.redact` replaces at any depth.
    """

    spec: OperationSpec
    path: Path
    inputs: tuple[ResolvedField, ...]
    outputs: tuple[ResolvedField, ...]
    errors: tuple[ResolvedError, ...]
    effects: tuple[ResolvedEffect, ...]
    lock_keys: tuple[KeyTemplate, ...]
    singleton_key: KeyTemplate | None
    sensitive_fields: frozenset[str]
    sensitive_paths: frozenset[str] = frozenset()
    inline_enums: tuple[InlineEnum, ...] = ()

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def segments(self) -> tuple[str, ...]:
        """The parts of the dotted name: ``("billing", "credit_account")``."""
        return tuple(self.spec.name.split("."))

    @functools.cached_property
    def class_stem(self) -> str:
        """The CamelCase stem of generated class names: ``CreditAccount``."""
        return camel_case(self.segments[-1])

    @property
    def module_name(self) -> str:
        """The module path relative to the generated package: ``billing.credit_account``."""
        return self.spec.name

    @property
    def module_path(self) -> Path:
        """The file path relative to the generated package: ``billing/credit_account.py``."""
        return Path(*self.segments[:-1], self.segments[-1] + ".py")

    @functools.cached_property
    def generated_class_names(self) -> tuple[str, ...]:
        """The classes a generated module defines, side effect payloads and inline enums included."""
        stem = self.class_stem
        fixed = (f"{stem}Input", f"{stem}Output", f"{stem}Errors", f"{stem}Base", f"{stem}Handle", stem)
        payloads = tuple(f"{stem}{camel_case(effect.name)}Payload" for effect in self.effects)
        return fixed + payloads + tuple(enum.class_name for enum in self.inline_enums)

    @property
    def context_requires(self) -> tuple[str, ...]:
        return tuple(self.spec.context.requires)

    @property
    def transaction(self) -> TransactionSpec | None:
        """The transaction settings, or ``None`` when the operation runs without one."""
        value = self.spec.transaction
        if value is True:
            return TransactionSpec()
        if value is False:
            return None
        return value

    @property
    def singleton(self) -> SingletonSpec | None:
        """The singleton settings, or ``None`` when executions may overlap."""
        value = self.spec.singleton
        if value is True:
            return SingletonSpec()
        if value is False:
            return None
        return value


@dataclass(frozen=True)
class SpecSet:
    """Every operation (sorted by name) and shared type (by name) of a specs folder."""

    operations: list[LoadedOperation]
    types: dict[str, LoadedType]

    def operation(self, name: str) -> LoadedOperation:
        """Return the operation ``name``; raise ``KeyError`` naming the known ones."""
        for operation in self.operations:
            if operation.name == name:
                return operation
        known = ", ".join(op.name for op in self.operations) or "none"
        raise KeyError(f"no operation {name!r} in the specs (known: {known})")

    def types_in_dependency_order(self) -> list[LoadedType]:
        """Return shared types so that each follows the types it uses.

        Object types may refer to each other in a cycle. The members of a cycle keep name
        order, so generated code must use forward references for them.
        """
        ordered: list[LoadedType] = []
        placed: set[str] = set()
        visiting: set[str] = set()

        def place(name: str) -> None:
            if name in placed or name in visiting or name not in self.types:
                return
            visiting.add(name)
            for dependency in sorted(self.types[name].dependencies):
                place(dependency)
            visiting.discard(name)
            placed.add(name)
            ordered.append(self.types[name])

        for name in sorted(self.types):
            place(name)
        return ordered
