"""Checks that need more than one document: names, type references, defaults and key templates.

The format models accept any string where a name goes. This module decides whether each
name can become Python and resolves every field to a
:class:`~opsgen.spec.resolved.ResolvedField`. It also checks what spans files: duplicate
type names, unknown type references, alias cycles and class names that would collide in
one generated module. Clashes between operation names are in
:mod:`opsgen.spec.name_clashes`. Every problem goes to the document's ``report``
callback with its path in the document, and checking continues, so one run lists them all.
"""

from __future__ import annotations

import difflib
import functools
import re
import string
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal

from pydantic_core import SchemaError, SchemaValidator, ValidationError, core_schema

from opsgen.runtime.context_keys import near_builtin_context_key
from opsgen.spec import names
from opsgen.spec.constraint_values import BOUND_KEYS, bound_problem, number_size_problem
from opsgen.spec.errors import display_path
from opsgen.spec.model import ContextKey, FieldSpec, OperationSpec, SharedTypeSpec, TypesSpec
from opsgen.spec.name_clashes import check_operation_names
from opsgen.spec.resolved import (
    Constraints,
    EnumMember,
    InlineEnum,
    KeyPlaceholder,
    KeyTemplate,
    ListType,
    MapType,
    ResolvedEffect,
    ResolvedError,
    ResolvedField,
    ScalarType,
    SharedTypeRef,
    TypeRef,
)
from opsgen.spec.resolved import SharedKind
from opsgen.spec.specset import LoadedOperation, LoadedType
from opsgen.spec.typeexpr import (
    ListExpr,
    MapExpr,
    NameExpr,
    ScalarExpr,
    TypeExpr,
    TypeExpressionError,
    parse_type_expression,
    referenced_names,
)
from opsgen.spec.yamlsafe import ParsedDocument
from opsgen.spec.yamlsafe import Path as DocPath

#: Maximum length of an enum value, in characters.
MAX_ENUM_VALUE_LENGTH = 100

_NO_CONSTRAINTS = Constraints()
#: Levels of nested shared types searched for sensitive fields.
_MAX_SENSITIVE_DEPTH = 8
_NUMERIC = frozenset({"int", "float", "decimal"})
_SIZED = frozenset({"str", "list", "map"})
_KNOWN_CONTEXT_KEYS = frozenset(key.value for key in ContextKey)


@dataclass(frozen=True)
class Document:
    """A validated spec file; ``report`` files problems against its positions."""

    path: Path
    model: OperationSpec | TypesSpec
    report: Callable[[DocPath, str, str | None, bool, int], None]
    #: The parsed YAML, for the positions that errors in other files point to.
    parsed: ParsedDocument
    #: Entries dropped because they failed validation (``input.NAME``, ``context.NAME`` ...):
    #: references to them are not reported again.
    dropped: frozenset[str] = frozenset()

    def error(self, at: DocPath, message: str, hint: str | None = None, *, key: bool = False, offset: int = 0) -> None:
        self.report(at, message, hint, key, offset)

    def location(self, at: DocPath, *, key: bool = False) -> str:
        """Return ``path:line:column`` of ``at``, with the path shown as error headers show it."""
        line, column = self.parsed.position_of(at, key=key)
        return f"{display_path(self.path)}:{line}:{column}"


@functools.lru_cache(maxsize=4096)
def _parse_cached(text: str, known: frozenset[str]) -> TypeExpr:
    return parse_type_expression(text, known)


@functools.lru_cache(maxsize=1024)
def _pattern_problem(pattern: str) -> str | None:
    try:
        re.compile(pattern)
    except re.error as exc:
        return f"invalid regular expression {pattern!r}: {exc}"
    try:
        SchemaValidator(core_schema.str_schema(pattern=pattern))
    except SchemaError as exc:
        reason = str(exc).strip().splitlines()[-1].removeprefix("error: ")
        return f"the regular expression {pattern!r} is not supported by pydantic's default regex engine: {reason}"
    return None


@functools.lru_cache(maxsize=1024)
def _pattern_validator(pattern: str) -> SchemaValidator:
    """Return a validator of strings that match ``pattern``, which :func:`_pattern_problem` accepted.

    It uses pydantic's default engine, Rust's ``regex`` crate, as the generated models
    do. That engine runs in time linear in the text, so a default cannot make the loader
    backtrack for ever the way Python's ``re`` does on ``^(a+)+$``.
    """
    return SchemaValidator(core_schema.str_schema(pattern=pattern))


def _matches_pattern(pattern: str, value: str) -> bool:
    try:
        _pattern_validator(pattern).validate_python(value)
    except ValidationError:
        return False
    return True


class _BrokenType(Exception):
    """A default refers to a shared type that has its own errors, already reported."""


@dataclass
class _TypeInfo:
    """A declared shared type, as other documents need it before it is resolved."""

    name: str
    spec: SharedTypeSpec
    document: Document
    kind: SharedKind


@dataclass
class Checker:
    """Resolve and check every validated document; ``known_type_names`` may include names from invalid files."""

    known_type_names: frozenset[str] = frozenset()
    #: Paths of types files read only up to a YAML syntax error: the types after it are unknown.
    partial_type_files: tuple[str, ...] = ()
    #: The audited entity names declared in pyproject.toml; ``None`` leaves ``audit.changes`` unchecked.
    audit_entities: frozenset[str] | None = None
    type_infos: dict[str, _TypeInfo] = field(default_factory=dict)
    #: Type expressions already resolved without error; valid once every type is declared.
    resolved_refs: dict[str, TypeRef] = field(default_factory=dict)
    loaded_types: dict[str, LoadedType] = field(default_factory=dict)
    #: Shared types loaded despite errors of their own (an enum with a faulty value):
    #: defaults of their type are not checked, so those errors are not reported twice.
    broken_types: set[str] = field(default_factory=set)
    operations: list[LoadedOperation] = field(default_factory=list)

    # Shared types

    def declare_types(self, documents: list[Document]) -> None:
        """Register every shared type name, reporting invalid and duplicate names."""
        first_seen: dict[str, tuple[Document, str]] = {}
        for document in documents:
            assert isinstance(document.model, TypesSpec)
            for name, spec in document.model.types.items():
                problem = names.check_type_name(name)
                if problem is not None:
                    document.error(("types", name), problem[0], problem[1], key=True)
                    continue
                if name in first_seen:
                    other = first_seen[name][0]
                    document.error(
                        ("types", name),
                        f"the type {name!r} is already declared in {other.location(('types', name), key=True)}",
                        "rename one of them; type names are shared by every spec",
                        key=True,
                    )
                    continue
                first_seen[name] = (document, name)
                self.type_infos[name] = _TypeInfo(name, spec, document, _shared_kind(spec))
        self.known_type_names = self.known_type_names | frozenset(self.type_infos)

    def resolve_types(self) -> None:
        for name in sorted(self.type_infos):
            info = self.type_infos[name]
            loaded = self._resolve_type(info)
            if loaded is not None:
                self.loaded_types[name] = loaded
        self._check_alias_cycles()
        self._check_shared_class_names()

    def _resolve_type(self, info: _TypeInfo) -> LoadedType | None:
        spec, document, at = info.spec, info.document, ("types", info.name)
        chosen = [key for key in ("type", "enum", "fields") if getattr(spec, key) is not None]
        if len(chosen) != 1:
            message = (
                f"the type {info.name!r} sets {' and '.join(chosen)}"
                if chosen
                else f"the type {info.name!r} sets none of type, enum and fields"
            )
            document.error(at, message, "a shared type is exactly one of: an alias (`type`), an `enum`, or an object (`fields`)")
            return None

        if spec.enum is not None:
            members = self._enum_members(document, at + ("enum",), spec.enum)
            if members is None:
                self.broken_types.add(info.name)
            self._check_no_constraints(document, at, spec, "an enum type")
            return LoadedType(info.name, document.path, spec, "enum", members=members or ())

        if spec.fields is not None:
            self._check_no_constraints(document, at, spec, "an object type")
            enums: list[InlineEnum] = []
            fields = self._resolve_fields(document, at + ("fields",), spec.fields, info.name, enums)
            for field_ in fields:
                self._check_field_hides_no_type(document, at + ("fields", field_.name), field_.name)
            dependencies = frozenset(
                n for raw in spec.fields.values() if isinstance(raw, FieldSpec) and raw.type
                for n in self._names_in(raw.type)
            )
            return LoadedType(
                info.name, document.path, spec, "object", fields=tuple(fields), inline_enums=tuple(enums),
                dependencies=dependencies & frozenset(self.type_infos),
            )

        assert spec.type is not None
        target = self._parse_type(document, at + ("type",), spec.type)
        if target is None:
            return None
        constraints = self._constraints(document, at, spec, self._base_of(target))
        return LoadedType(
            info.name, document.path, spec, "alias", alias_of=target, constraints=constraints,
            dependencies=frozenset(self._names_in(spec.type)) & frozenset(self.type_infos),
        )

    def _names_in(self, text: str) -> list[str]:
        try:
            return referenced_names(_parse_cached(text, self.known_type_names))
        except TypeExpressionError:
            return []

    def _check_no_constraints(self, document: Document, at: DocPath, spec: SharedTypeSpec, what: str) -> None:
        for key in _constraint_keys(spec):
            document.error(at + (key,), f"{key!r} does not apply to {what}", "put constraints on an alias (`type:`) or on a field", key=True)

    def _check_alias_cycles(self) -> None:
        for name, info in sorted(self.type_infos.items()):
            if info.kind != "alias":
                continue
            seen = [name]
            current = name
            while True:
                target = self.type_infos.get(current)
                if target is None or target.kind != "alias" or target.spec.type is None:
                    break
                following = self._names_in(target.spec.type)
                if not following:
                    break
                current = following[0]
                if current == name:
                    chain = " -> ".join(seen + [name])
                    info.document.error(
                        ("types", name, "type"),
                        f"the alias {name!r} refers to itself: {chain}",
                        "make one of them an object type with `fields`, which may refer to itself",
                    )
                    break
                if current in seen:
                    break
                seen.append(current)

    def _check_shared_class_names(self) -> None:
        # Class name -> the type that declares it, and whether it is that type's inline enum.
        owners: dict[str, tuple[str, bool]] = {name: (name, False) for name in self.loaded_types}
        for name, loaded in sorted(self.loaded_types.items()):
            for enum in loaded.inline_enums:
                if enum.class_name in owners:
                    owner, inline = owners[enum.class_name]
                    clashing = f"the enum class of a field of {owner!r}" if inline else f"the type {owner!r}"
                    where = self.type_infos[owner].document.location(("types", owner), key=True)
                    self.type_infos[name].document.error(
                        ("types", name),
                        f"the enum class {enum.class_name!r} generated for a field of {name!r} collides with {clashing}, declared in {where}",
                        "rename the field or the type, or declare the enum as a shared type",
                        key=True,
                    )
                else:
                    owners[enum.class_name] = (name, True)

    # Documents that failed validation

    def check_invalid_document(self, data: Any, report: Callable[[DocPath, str, str | None, bool, int], None]) -> None:
        """Check the names and type expressions of a document that failed validation.

        Its structural errors are already reported. This adds the problems a valid
        document would have raised next, so one run reports them all.
        """
        if not isinstance(data, dict):
            return
        if data.get("kind") == "types":
            self._check_raw_names(data, ("types",), names.check_type_name, report, key_only=True)
            for type_name, spec in _items(data.get("types")):
                self._check_raw_fields(spec.get("fields") if isinstance(spec, dict) else None, ("types", type_name, "fields"), report)
                if isinstance(spec, dict):
                    self._check_raw_type(spec.get("type"), ("types", type_name, "type"), report)
            return

        name = data.get("name")
        if isinstance(name, str):
            problem = names.check_operation_name(name)
            if problem is not None:
                report(("name",), problem[0], problem[1], False, 0)
        for section in ("input", "output"):
            self._check_raw_fields(data.get(section), (section,), report)
        self._check_raw_names(data, ("errors",), names.check_error_code, report)
        self._check_raw_names(data, ("side_effects",), names.check_effect_name, report)
        for code, error in _items(data.get("errors")):
            if isinstance(error, dict):
                self._check_raw_fields(error.get("details"), ("errors", code, "details"), report)
        for effect_name, effect in _items(data.get("side_effects")):
            if isinstance(effect, dict):
                self._check_raw_fields(effect.get("payload"), ("side_effects", effect_name, "payload"), report)

    def _check_raw_names(
        self, data: dict[str, Any], at: DocPath, check: Callable[[str], names.Problem | None],
        report: Callable[[DocPath, str, str | None, bool, int], None], key_only: bool = True,
    ) -> None:
        section = data.get(str(at[0]))
        for name, _ in _items(section):
            problem = check(name)
            if problem is not None:
                report(at + (name,), problem[0], problem[1], key_only, 0)

    def _check_raw_fields(self, fields: Any, at: DocPath, report: Callable[[DocPath, str, str | None, bool, int], None]) -> None:
        for name, spec in _items(fields):
            problem = names.check_field_name(name)
            if problem is not None:
                report(at + (name,), problem[0], problem[1], True, 0)
            if isinstance(spec, dict):
                self._check_raw_type(spec.get("type"), at + (name, "type"), report)

    def _check_raw_type(self, text: Any, at: DocPath, report: Callable[[DocPath, str, str | None, bool, int], None]) -> None:
        if not isinstance(text, str) or not text:
            return
        try:
            expr = _parse_cached(text, self.known_type_names)
        except TypeExpressionError as exc:
            report(at, _type_error_message(text, exc), exc.hint, False, exc.offset)
            return
        for name in referenced_names(expr):
            if name not in self.known_type_names:
                report(at, _unknown_type_message(name, text), self._unknown_type_hint(name), False, max(0, text.find(name)))

    # Operations

    def check_operations(self, documents: list[Document]) -> None:
        for document in documents:
            assert isinstance(document.model, OperationSpec)
            operation = self._resolve_operation(document, document.model)
            if operation is not None:
                self.operations.append(operation)
        shared_types = {name: self.type_infos[name].document for name in self.loaded_types}
        check_operation_names(documents, self.operations, shared_types)

    def _resolve_operation(self, document: Document, spec: OperationSpec) -> LoadedOperation | None:
        name_problem = names.check_operation_name(spec.name)
        if name_problem is not None:
            document.error(("name",), name_problem[0], name_problem[1])
        # The rest is checked even under an invalid name, so one run reports every problem.
        stem = names.camel_case(re.sub(r"[^A-Za-z0-9_]", "_", spec.name.split(".")[-1])) or "Operation"
        enums: list[InlineEnum] = []

        inputs = self._resolve_fields(document, ("input",), spec.input, stem, enums)
        outputs = self._resolve_fields(document, ("output",), spec.output, stem + "Output", enums)
        self._check_case_twins(document, ("input",), list(spec.input))
        self._check_case_twins(document, ("output",), list(spec.output))

        errors: list[ResolvedError] = []
        for code, error in spec.errors.items():
            problem = names.check_error_code(code)
            if problem is not None:
                document.error(("errors", code), problem[0], problem[1], key=True)
                continue
            details = self._resolve_fields(
                document, ("errors", code, "details"), error.details, stem + names.camel_case(code), enums
            )
            errors.append(ResolvedError(code, error.message, error.http_status, tuple(details)))

        input_names = {f.name for f in inputs}
        effects: list[ResolvedEffect] = []
        for effect_name, effect in spec.side_effects.items():
            problem = names.check_effect_name(effect_name)
            if problem is None and effect_name in input_names:
                problem = (
                    f"the side effect {effect_name!r} has the name of an input",
                    "rename the side effect, such as `send_" + effect_name + "`, so the method and the input read apart",
                )
            if problem is not None:
                document.error(("side_effects", effect_name), problem[0], problem[1], key=True)
                continue
            payload = self._resolve_fields(
                document, ("side_effects", effect_name, "payload"), effect.payload, stem + names.camel_case(effect_name), enums
            )
            effects.append(ResolvedEffect(effect_name, effect.kind, effect.description, effect.durable, effect.retry, tuple(payload)))

        context_keys = self._check_context(document, spec.context.requires)
        # Inputs with errors of their own are not resolved, but a misspelt placeholder may mean one.
        dropped_inputs = {name.removeprefix("input.") for name in document.dropped if name.startswith("input.")}
        declared_inputs = frozenset(spec.input) | dropped_inputs
        lock_keys: list[KeyTemplate] = []
        seen_keys: set[str] = set()
        for index, lock in enumerate(spec.locks):
            at = ("locks", index, "key")
            if lock.key in seen_keys:
                document.error(at, f"the lock key {lock.key!r} is declared twice", "remove the repeated lock")
                continue
            seen_keys.add(lock.key)
            template = self._key_template(document, at, lock.key, inputs, declared_inputs, context_keys)
            if template is not None:
                lock_keys.append(template)

        singleton_key: KeyTemplate | None = None
        singleton = spec.singleton
        if singleton is True or (singleton is not False and singleton.key is None):
            singleton_key = KeyTemplate(spec.name, (spec.name,))
        elif singleton is not False and singleton.key is not None:
            singleton_key = self._key_template(
                document, ("singleton", "key"), singleton.key, inputs, declared_inputs, context_keys
            )

        if spec.audit is not None:
            seen: set[str] = set()
            for index, entity in enumerate(spec.audit.changes):
                if entity in seen:
                    document.error(("audit", "changes", index), f"the entity {entity!r} is listed twice", "remove the repeated entry")
                elif self.audit_entities is not None and entity not in self.audit_entities:
                    document.error(("audit", "changes", index), *_unknown_entity(entity, self.audit_entities))
                seen.add(entity)

        sensitive = self._sensitive(inputs, "") | self._sensitive(outputs, "")
        leaf_names = frozenset(path.rsplit(".", 1)[-1] for path in sensitive)
        operation = LoadedOperation(
            spec=spec,
            path=document.path,
            inputs=tuple(inputs),
            outputs=tuple(outputs),
            errors=tuple(errors),
            effects=tuple(effects),
            lock_keys=tuple(lock_keys),
            singleton_key=singleton_key,
            sensitive_fields=leaf_names,
            sensitive_paths=frozenset(sensitive),
            inline_enums=tuple(enums),
        )
        self._check_module_class_names(document, operation)
        self._check_fields_hide_no_class(document, operation)
        return operation if name_problem is None else None

    def _check_fields_hide_no_class(self, document: Document, operation: LoadedOperation) -> None:
        """Report fields named like a class the operation's module defines or a shared type it may import.

        A field becomes a class attribute and a method parameter, and hides the class of
        that name from the code after it. A payload field ``OpNotifyPayload`` breaks the
        effect method that builds the payload, and an input ``Money`` breaks the
        annotation of a later ``price: Money``. Unlike ``json``, such a field gets no
        Python name of its own, because the name would then depend on other specs:
        declaring a shared type ``Status`` would rename every field ``Status``.
        """
        sections: list[tuple[DocPath, tuple[ResolvedField, ...]]] = [(("input",), operation.inputs), (("output",), operation.outputs)]
        sections += [(("errors", error.code, "details"), error.details) for error in operation.errors]
        sections += [(("side_effects", effect.name, "payload"), effect.payload) for effect in operation.effects]
        classes = self._class_renames(operation, sections)
        for at, fields in sections:
            for field_ in fields:
                rename = classes.get(field_.name)
                if rename is not None:
                    document.error(
                        at + (field_.name,),
                        f"the field name {field_.name!r} would hide the class {field_.name!r} that the module of {operation.name!r} defines",
                        f"rename the field, such as `{names.suggested_field_name(field_.name)}`. "
                        f"To keep {field_.name!r} as the JSON key, {rename}",
                        key=True,
                    )
                else:
                    self._check_field_hides_no_type(document, at + (field_.name,), field_.name)

    @staticmethod
    def _class_renames(
        operation: LoadedOperation, sections: list[tuple[DocPath, tuple[ResolvedField, ...]]]
    ) -> dict[str, str]:
        """Return, for each class the operation's module defines, what to rename to give the class another name."""
        segment = operation.name.rpartition(".")[2]
        renames = {
            class_name: f"rename the operation, whose last segment {segment!r} gives the module's classes "
            f"the prefix {operation.class_stem!r}"
            for class_name in operation.generated_class_names
        }
        for effect in operation.effects:
            payload = f"{operation.class_stem}{names.camel_case(effect.name)}Payload"
            renames[payload] = f"rename the side effect {effect.name!r}, which gives its payload class this name"
        for _, fields in sections:
            for field_ in fields:
                if isinstance(field_.type, InlineEnum):
                    renames[field_.type.class_name] = (
                        f"rename the field {field_.name!r}, which gives its inline enum this class name, "
                        "or declare the enum as a shared type"
                    )
        return renames

    def _check_field_hides_no_type(self, document: Document, at: DocPath, name: str) -> None:
        info = self.type_infos.get(name)
        if info is None:
            return
        where = info.document.location(("types", name), key=True)
        type_name = f"{name}Type"
        example = f", such as `{type_name}`" if names.check_type_name(type_name) is None else ""
        document.error(
            at,
            f"the field name {name!r} would hide the shared type {name!r} (declared in {where}), which generated modules import",
            f"rename the field, such as `{names.suggested_field_name(name)}`. "
            f"To keep {name!r} as the JSON key, rename the shared type instead{example}",
            key=True,
        )

    def _check_module_class_names(self, document: Document, operation: LoadedOperation) -> None:
        seen: set[str] = set()
        for class_name in operation.generated_class_names:
            if class_name in seen:
                document.error(
                    ("name",),
                    f"two generated classes of {operation.name!r} are both named {class_name!r}",
                    "an inline enum's class name is the operation stem plus the field name; "
                    "rename the field, or declare the enum as a shared type",
                )
            seen.add(class_name)

    def _check_case_twins(self, document: Document, at: DocPath, field_names: list[str]) -> None:
        seen: dict[str, str] = {}
        for name in field_names:
            folded = name.lower()
            if folded in seen and seen[folded] != name:
                document.error(
                    at + (name,),
                    f"the field {name!r} differs from {seen[folded]!r} only in case",
                    "rename one of them; names that differ only in case are easy to confuse and redact together",
                    key=True,
                )
            seen.setdefault(folded, name)

    def _check_context(self, document: Document, requires: list[str]) -> set[str]:
        keys: set[str] = set()
        for index, key in enumerate(requires):
            at = ("context", "requires", index)
            if key in keys:
                document.error(at, f"the context key {key!r} is listed twice", "remove the repeated key")
                continue
            if key not in _KNOWN_CONTEXT_KEYS:
                problem = names.check_context_key(key)
                if problem is not None:
                    close = difflib.get_close_matches(key, sorted(_KNOWN_CONTEXT_KEYS), n=1, cutoff=0.7)
                    hint = f"did you mean {close[0]!r}?" if close else problem[1]
                    document.error(at, problem[0], hint)
                    continue
                builtin = near_builtin_context_key(key, _KNOWN_CONTEXT_KEYS)
                if builtin is not None:
                    document.error(
                        at,
                        f"the custom context key {key!r} is a near miss of the built-in context key {builtin!r}",
                        f"did you mean {builtin!r}? A custom key this close to a built-in one is rejected as a "
                        f"likely typo; to keep a custom key, add a word to its name, such as 'app_{key}'",
                    )
                    continue
            keys.add(key)
        return keys

    def _key_template(
        self,
        document: Document,
        at: DocPath,
        template: str,
        inputs: list[ResolvedField],
        declared_inputs: frozenset[str],
        context_keys: set[str],
    ) -> KeyTemplate | None:
        """Check a lock or singleton key template. ``declared_inputs`` names every input, resolved or not."""
        try:
            pieces = list(string.Formatter().parse(template))
        except ValueError as exc:
            document.error(at, f"invalid key template {template!r}: {exc}", "write placeholders as {input_name}; write {{ or }} for a literal brace")
            return None

        by_name = {f.name: f for f in inputs}
        parts: list[str | KeyPlaceholder] = []
        ok = True
        for literal, name, format_spec, conversion in pieces:
            if literal:
                parts.append(literal)
            if name is None:
                continue
            if format_spec or conversion or not name.isidentifier():
                document.error(
                    at,
                    f"the placeholder {{{name}{'!' + conversion if conversion else ''}{':' + format_spec if format_spec else ''}}} in {template!r} is not a plain name",
                    "write only {input_name} or {context_key}: no attribute access, indexes, conversions or format specs",
                )
                ok = False
                continue
            source = self._placeholder_source(document, at, template, name, by_name, declared_inputs, context_keys)
            if source is None:
                ok = False
                continue
            parts.append(KeyPlaceholder(name, source))
        return KeyTemplate(template, tuple(parts)) if ok else None

    def _placeholder_source(
        self,
        document: Document,
        at: DocPath,
        template: str,
        name: str,
        inputs: dict[str, ResolvedField],
        declared_inputs: frozenset[str],
        context_keys: set[str],
    ) -> Literal["input", "context"] | None:
        if name in inputs and name in context_keys:
            document.error(
                at,
                f"the placeholder {{{name}}} in {template!r} names both an input and a context key",
                "rename the input so the key template is unambiguous",
            )
            return None
        if name in context_keys:
            return "context"
        if name not in inputs:
            if {f"input.{name}", f"context.{name}", "input"} & document.dropped:
                return None
            if name in declared_inputs:
                return None  # an input whose own errors are reported where it is declared
            usable = [input_name for input_name, input_field in inputs.items() if self._usable_in_key(input_field)]
            candidates = sorted(usable) + sorted(context_keys)
            close = difflib.get_close_matches(name, sorted(declared_inputs | context_keys), n=1, cutoff=0.6)
            if close:
                hint = f"did you mean {{{close[0]}}}?"
            elif name in _KNOWN_CONTEXT_KEYS:
                hint = f"add {name!r} to context.requires"
            else:
                hint = "placeholders name an input or a key in context.requires: " + (", ".join(candidates) or "none declared")
            document.error(at, f"the placeholder {{{name}}} in {template!r} is not an input or a required context key", hint)
            return None

        field_ = inputs[name]
        if field_.sensitive:
            document.error(
                at,
                f"the placeholder {{{name}}} in {template!r} is a sensitive input",
                "lock keys are stored and logged in clear; key the lock on a non-sensitive input",
            )
            return None
        if field_.optional and not field_.has_default:
            document.error(
                at,
                f"the placeholder {{{name}}} in {template!r} is an optional input without a default",
                "make the input required or give it a default, so the key never contains None",
            )
            return None
        if self._base_of(field_.type) in ("list", "map", "object"):
            document.error(
                at,
                f"the placeholder {{{name}}} in {template!r} is not a single value",
                "key locks on a scalar, enum or scalar alias input, such as an id",
            )
            return None
        return "input"

    def _usable_in_key(self, input_field: ResolvedField) -> bool:
        """Tell whether a placeholder may name this input: a required or defaulted, non-sensitive single value."""
        if input_field.sensitive or (input_field.optional and not input_field.has_default):
            return False
        return self._base_of(input_field.type) not in ("list", "map", "object")

    def _sensitive(self, fields: list[ResolvedField] | tuple[ResolvedField, ...], prefix: str, depth: int = 0) -> set[str]:
        """Return the dotted paths of sensitive values under ``fields``.

        Recursive types are followed through at most ``_MAX_SENSITIVE_DEPTH`` levels of
        shared types, so a sensitive field nested deeper is not listed.
        """
        found: set[str] = set()
        for field_ in fields:
            path = prefix + field_.name
            if field_.sensitive:
                found.add(path)
            found |= self._sensitive_inside(field_.type, path, depth)
        return found

    def _sensitive_inside(self, type_ref: TypeRef, path: str, depth: int) -> set[str]:
        if depth > _MAX_SENSITIVE_DEPTH:
            return set()
        if isinstance(type_ref, ListType):
            return self._sensitive_inside(type_ref.item, path + ".*", depth)
        if isinstance(type_ref, MapType):
            return self._sensitive_inside(type_ref.value, path + ".*", depth)
        if isinstance(type_ref, SharedTypeRef):
            loaded = self.loaded_types.get(type_ref.name)
            if loaded is None:
                return set()
            if loaded.sensitive:
                # A list or map of a sensitive type makes the whole field sensitive.
                while path.endswith(".*"):
                    path = path[: -len(".*")]
                return {path}
            if loaded.kind == "object":
                return self._sensitive(loaded.fields, path + ".", depth + 1)
            if loaded.kind == "alias" and loaded.alias_of is not None:
                return self._sensitive_inside(loaded.alias_of, path, depth + 1)
        return set()

    # Fields

    def _resolve_fields(
        self, document: Document, at: DocPath, fields: dict[str, FieldSpec | str], owner: str, enums: list[InlineEnum]
    ) -> list[ResolvedField]:
        resolved: list[ResolvedField] = []
        for name, raw in fields.items():
            spec = raw if isinstance(raw, FieldSpec) else FieldSpec(type=raw)
            result = self._resolve_field(document, at + (name,), name, spec, owner, enums)
            if result is not None:
                resolved.append(result)
        for earlier, later in names.python_name_collisions(list(fields)):
            aliased = earlier if names.python_field_name(earlier) != earlier else later
            document.error(
                at + (later,),
                f"the field name {later!r} and the field {earlier!r} would both become the Python name "
                f"{names.python_field_name(later)!r} in the generated model",
                f"rename one of them: {aliased!r} gets a trailing underscore in Python because the name "
                "would shadow a pydantic BaseModel attribute or a name the generated code uses",
                key=True,
            )
        return resolved

    def _resolve_field(
        self, document: Document, at: DocPath, name: str, spec: FieldSpec, owner: str, enums: list[InlineEnum]
    ) -> ResolvedField | None:
        problem = names.check_field_name(name)
        if problem is not None:
            document.error(at, problem[0], problem[1], key=True)
            return None

        type_ref: TypeRef | None
        if spec.enum is not None and spec.type is not None:
            document.error(at, f"the field {name!r} sets both type and enum", "keep `enum` for an inline enum, or `type` naming a shared enum")
            return None
        if spec.enum is not None:
            members = self._enum_members(document, at + ("enum",), spec.enum)
            if members is None:
                return None
            type_ref = InlineEnum(owner + names.camel_case(name[:1].upper() + name[1:]), members)
            enums.append(type_ref)
        elif spec.type is not None:
            type_ref = self._parse_type(document, at + ("type",), spec.type)
        else:
            document.error(at, f"the field {name!r} has no type", "add `type: str` (or another type), or `enum: [...]`")
            return None
        if type_ref is None:
            return None

        base = self._base_of(type_ref)
        constraints = self._constraints(document, at, spec, base)
        has_default = "default" in spec.model_fields_set and spec.default is not None
        default = None
        if has_default:
            default = self._convert_default(document, at + ("default",), spec.default, type_ref, constraints)
        optional = spec.optional or "default" in spec.model_fields_set
        sensitive = spec.sensitive or self._is_sensitive_type(type_ref)
        return ResolvedField(name, type_ref, optional, has_default, default, constraints, sensitive, spec.description)

    def _is_sensitive_type(self, type_ref: TypeRef) -> bool:
        if isinstance(type_ref, SharedTypeRef):
            info = self.type_infos.get(type_ref.name)
            return info is not None and info.spec.sensitive
        return False

    def _enum_members(self, document: Document, at: DocPath, values: list[str]) -> tuple[EnumMember, ...] | None:
        members: list[EnumMember] = []
        by_member: dict[str, str] = {}
        ok = True
        for index, value in enumerate(values):
            where = at + (index,)
            if not value or len(value) > MAX_ENUM_VALUE_LENGTH:
                document.error(where, f"the enum value {value!r} must have 1 to {MAX_ENUM_VALUE_LENGTH} characters", "shorten or fill in the value")
                ok = False
                continue
            member = names.enum_member_name(value)
            if member == "V_":
                document.error(where, f"the enum value {value!r} has no letter or digit", "enum values need a letter or digit to name their Python member")
                ok = False
                continue
            if value in by_member.values():
                document.error(where, f"the enum value {value!r} is listed twice", "remove the repeated value")
                ok = False
                continue
            if member in by_member:
                document.error(
                    where,
                    f"the enum values {by_member[member]!r} and {value!r} both become the Python member {member}",
                    "member names are the value in uppercase with other characters as underscores; make the values differ in letters or digits",
                )
                ok = False
                continue
            by_member[member] = value
            members.append(EnumMember(member, value))
        return tuple(members) if ok else None

    def _parse_type(self, document: Document, at: DocPath, text: str) -> TypeRef | None:
        cached = self.resolved_refs.get(text)
        if cached is not None:
            return cached
        try:
            expr = _parse_cached(text, self.known_type_names)
        except TypeExpressionError as exc:
            document.error(at, _type_error_message(text, exc), exc.hint, offset=exc.offset)
            return None
        resolved = self._to_ref(document, at, expr, text)
        if resolved is not None:
            self.resolved_refs[text] = resolved
        return resolved

    def _to_ref(self, document: Document, at: DocPath, expr: TypeExpr, text: str) -> TypeRef | None:
        if isinstance(expr, ScalarExpr):
            return ScalarType(expr.kind)
        if isinstance(expr, ListExpr):
            item = self._to_ref(document, at, expr.item, text)
            return ListType(item) if item is not None else None
        if isinstance(expr, MapExpr):
            value = self._to_ref(document, at, expr.value, text)
            return MapType(value) if value is not None else None
        assert isinstance(expr, NameExpr)
        info = self.type_infos.get(expr.name)
        if info is None:
            if expr.name in self.known_type_names:
                return None
            hint = self._unknown_type_hint(expr.name)
            document.error(at, _unknown_type_message(expr.name, text), hint, offset=max(0, text.find(expr.name)))
            return None
        return SharedTypeRef(expr.name, info.kind)

    def _unknown_type_hint(self, name: str) -> str:
        close = difflib.get_close_matches(name, sorted(self.known_type_names), n=1, cutoff=0.6)
        if close:
            return f"did you mean {close[0]!r}?"
        declare = "declare it under `types:` in a file with `kind: types`"
        if self.partial_type_files:
            files = ", ".join(self.partial_type_files)
            return f"{declare}, or fix the YAML error in {files}, which may declare it after the error"
        return declare

    def _base_of(self, type_ref: TypeRef, depth: int = 0) -> str:
        """Return the kind constraints and defaults act on: a scalar kind, list, map, enum or object."""
        if isinstance(type_ref, ScalarType):
            return type_ref.kind
        if isinstance(type_ref, ListType):
            return "list"
        if isinstance(type_ref, MapType):
            return "map"
        if isinstance(type_ref, InlineEnum):
            return "enum"
        info = self.type_infos.get(type_ref.name)
        if info is None or depth > 16:
            return "unknown"
        if info.kind != "alias":
            return info.kind
        if info.spec.type is None:
            return "unknown"  # a type that sets none of type, enum and fields, reported where it is declared
        try:
            expr = _parse_cached(info.spec.type, self.known_type_names)
        except TypeExpressionError:
            return "unknown"
        if isinstance(expr, ScalarExpr):
            return expr.kind
        if isinstance(expr, ListExpr):
            return "list"
        if isinstance(expr, MapExpr):
            return "map"
        return self._base_of(SharedTypeRef(expr.name, "alias"), depth + 1)

    def _constraints(self, document: Document, at: DocPath, spec: FieldSpec | SharedTypeSpec, base: str) -> Constraints:
        set_keys = _constraint_keys(spec)
        if not set_keys:
            return _NO_CONSTRAINTS
        for key in set_keys:
            allowed = _constraint_applies(key, base)
            if not allowed and base != "unknown":
                document.error(
                    at + (key,),
                    f"{key!r} does not apply to {_with_article(_base_word(base))} field",
                    _constraint_hint(key),
                    key=True,
                )
            elif key in BOUND_KEYS:
                unfit_bound = bound_problem(key, getattr(spec, key), base)
                if unfit_bound is not None:
                    document.error(at + (key,), unfit_bound[0], unfit_bound[1])
        constraints = Constraints(**{key: getattr(spec, key) for key in set_keys})

        lower = constraints.ge if constraints.ge is not None else constraints.gt
        upper = constraints.le if constraints.le is not None else constraints.lt
        if constraints.ge is not None and constraints.gt is not None:
            document.error(at + ("gt",), "both ge and gt are set", "keep one lower bound", key=True)
        if constraints.le is not None and constraints.lt is not None:
            document.error(at + ("lt",), "both le and lt are set", "keep one upper bound", key=True)
        if lower is not None and upper is not None and lower > upper:
            document.error(at, f"the lower bound {lower} is above the upper bound {upper}", "swap or correct the bounds")
        if (
            constraints.min_length is not None
            and constraints.max_length is not None
            and constraints.min_length > constraints.max_length
        ):
            document.error(at, f"min_length {constraints.min_length} is above max_length {constraints.max_length}", "swap or correct the lengths")
        if constraints.pattern is not None:
            problem = _pattern_problem(constraints.pattern)
            if problem is not None:
                document.error(at + ("pattern",), problem, "Python's re syntax without look-around and backreferences works everywhere")
        return constraints

    def _convert_default(
        self, document: Document, at: DocPath, value: Any, type_ref: TypeRef, constraints: Constraints
    ) -> Any:
        try:
            converted = self._default_value(value, type_ref, 0)
        except _BrokenType:
            return None
        except ValueError as exc:
            document.error(at, f"invalid default {value!r}: {exc}", _default_hint(type_ref))
            return None
        problem = _constraint_violation(converted, constraints)
        if problem is not None:
            document.error(at, f"the default {value!r} {problem}", "change the default or the constraint")
        return converted

    def _default_value(self, value: Any, type_ref: TypeRef, depth: int) -> Any:
        if isinstance(type_ref, (ListType, MapType)):
            raise ValueError("lists and maps take no default")
        if isinstance(type_ref, InlineEnum):
            allowed = [member.value for member in type_ref.members]
            if value not in allowed:
                close = difflib.get_close_matches(str(value), allowed, n=1)
                raise ValueError(f"not one of the enum values {allowed}" + (f" (did you mean {close[0]!r}?)" if close else ""))
            return value
        if isinstance(type_ref, SharedTypeRef):
            loaded = self.loaded_types.get(type_ref.name)
            if loaded is None or depth > 16 or type_ref.name in self.broken_types:
                raise _BrokenType(type_ref.name)
            if loaded.kind == "object":
                raise ValueError("object types take no default")
            if loaded.kind == "enum":
                return self._default_value(value, InlineEnum(loaded.name, loaded.members), depth + 1)
            assert loaded.alias_of is not None
            converted = self._default_value(value, loaded.alias_of, depth + 1)
            problem = _constraint_violation(converted, loaded.constraints)
            if problem is not None:
                raise ValueError(f"it {problem} of {type_ref.name}")
            return converted
        return _scalar_default(value, type_ref.kind)


def _type_error_message(text: str, exc: TypeExpressionError) -> str:
    """Name the expression once: ``unknown type 'string'``, not ``invalid type 'string': unknown type 'string'``."""
    if repr(text.strip()) in exc.message:
        return exc.message
    return f"invalid type {text!r}: {exc.message}"


def _unknown_type_message(name: str, text: str) -> str:
    return f"unknown type {name!r}" if text.strip() == name else f"unknown type {name!r} in {text!r}"


def _items(section: Any) -> list[tuple[str, Any]]:
    if not isinstance(section, dict):
        return []
    return [(key, value) for key, value in section.items() if isinstance(key, str)]


def _shared_kind(spec: SharedTypeSpec) -> SharedKind:
    if spec.enum is not None:
        return "enum"
    if spec.fields is not None:
        return "object"
    return "alias"


_CONSTRAINT_KEYS = ("ge", "gt", "le", "lt", "min_length", "max_length", "pattern", "max_digits", "decimal_places")


_CONSTRAINT_KEY_SET = frozenset(_CONSTRAINT_KEYS)


def _constraint_keys(spec: FieldSpec | SharedTypeSpec) -> list[str]:
    written = spec.model_fields_set & _CONSTRAINT_KEY_SET
    if not written:
        return []
    return [key for key in _CONSTRAINT_KEYS if key in written and getattr(spec, key) is not None]


def _constraint_applies(key: str, base: str) -> bool:
    if key in ("ge", "gt", "le", "lt"):
        return base in _NUMERIC
    if key in ("min_length", "max_length"):
        return base in _SIZED
    if key == "pattern":
        return base == "str"
    return base == "decimal"


def _unknown_entity(entity: str, known: frozenset[str]) -> tuple[str, str]:
    """Return the message and hint of an ``audit.changes`` entry that no audited entity has."""
    close = difflib.get_close_matches(entity, sorted(known), n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    hint += f"the audited entities are {', '.join(sorted(known))} ([tool.opsgen.audit.entities] in pyproject.toml)"
    message = (
        f"the entity {entity!r} is not audited, so every change this operation makes to its "
        "real entity would be reported as unexpected"
    )
    return message, hint


def _base_word(base: str) -> str:
    return {"map": "map", "list": "list", "enum": "enum", "object": "object"}.get(base, base)


def _with_article(word: str) -> str:
    """Return ``word`` after "a" or "an" as it is read aloud: "an int", "a uuid", "a str"."""
    return f"an {word}" if word[:1] in ("a", "e", "i", "o") else f"a {word}"


def _constraint_hint(key: str) -> str:
    if key in ("ge", "gt", "le", "lt"):
        return "ranges apply to int, float and decimal fields"
    if key in ("min_length", "max_length"):
        return "lengths apply to str, list and map fields"
    if key == "pattern":
        return "patterns apply to str fields"
    return "max_digits and decimal_places apply to decimal fields"


def _default_hint(type_ref: TypeRef) -> str:
    if isinstance(type_ref, ScalarType):
        examples = {
            "decimal": 'quote decimals to keep every digit, such as "10.50"',
            "date": 'write an ISO date, such as "2024-01-31"',
            "datetime": 'write an ISO date-time, such as "2024-01-31T12:00:00+00:00"',
            "uuid": 'write a UUID, such as "12345678-1234-5678-1234-567812345678"',
        }
        plain = {"str": "a string", "int": "a whole number", "float": "a number", "bool": "true or false"}
        return examples.get(type_ref.kind, f"write {plain.get(type_ref.kind, 'a value of the field type')}")
    if isinstance(type_ref, (ListType, MapType)):
        return "remove the default and set `optional: true`; an optional list or map defaults to empty"
    return "write a value of the field's type"


def _scalar_default(value: Any, kind: str) -> Any:
    if kind == "str":
        if not isinstance(value, str):
            raise ValueError("expected a string")
        return value
    if kind == "bool":
        if not isinstance(value, bool):
            raise ValueError("expected true or false")
        return value
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError("expected a whole number")
        return value
    if kind == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError("expected a number")
        return float(value)
    if kind == "decimal":
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise ValueError("expected a decimal number")
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise ValueError("expected a decimal number") from None
        if not number.is_finite():
            raise ValueError("expected a finite decimal number")
        too_large = number_size_problem(number)
        if too_large is not None:
            raise ValueError(too_large)
        return number
    if not isinstance(value, str):
        raise ValueError(f"expected a quoted {kind}")
    if kind == "date":
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ValueError("expected an ISO date (YYYY-MM-DD)") from None
    if kind == "datetime":
        try:
            return datetime.fromisoformat(value[:-1] + "+00:00" if value.endswith("Z") else value)
        except ValueError:
            raise ValueError("expected an ISO date-time") from None
    try:
        return uuid.UUID(value)
    except ValueError:
        raise ValueError("expected a UUID") from None


def _constraint_violation(value: Any, constraints: Constraints) -> str | None:
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        number = Decimal(str(value))
        if constraints.ge is not None and number < constraints.ge:
            return f"is below the minimum {constraints.ge}"
        if constraints.gt is not None and number <= constraints.gt:
            return f"is not above {constraints.gt}"
        if constraints.le is not None and number > constraints.le:
            return f"is above the maximum {constraints.le}"
        if constraints.lt is not None and number >= constraints.lt:
            return f"is not below {constraints.lt}"
    if isinstance(value, str):
        if constraints.min_length is not None and len(value) < constraints.min_length:
            return f"is shorter than min_length {constraints.min_length}"
        if constraints.max_length is not None and len(value) > constraints.max_length:
            return f"is longer than max_length {constraints.max_length}"
        if constraints.pattern is not None and _pattern_problem(constraints.pattern) is None:
            if not _matches_pattern(constraints.pattern, value):
                return f"does not match the pattern {constraints.pattern!r}"
    return None
