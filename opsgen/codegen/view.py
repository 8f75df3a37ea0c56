"""Build the render views: everything the templates print, already turned into source text.

Templates only lay views out. Every identifier here has been checked against
:data:`IDENTIFIER` and Python's keywords, and every value from a spec has been turned
into a literal by :mod:`opsgen.codegen.literals`, so no template ever prints raw spec text.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from opsgen.codegen.errors import ViewError
from opsgen.codegen.literals import py_literal
from opsgen.codegen.sensitive import operation_sensitive_paths
from opsgen.codegen.source import SourceOperation, SourceType, SpecSource
from opsgen.codegen.typeexpr import Imports, ResolvedType, TypeExpressionError, resolve
from opsgen.spec.model import FieldSpec, OperationSpec, SharedTypeSpec, TransactionSpec
from opsgen.spec.names import python_field_name, python_name_collisions

IDENTIFIER = re.compile(r"[a-z][a-z0-9_]*")

#: Field names may use capitals too (``userId``), as the spec format allows.
FIELD_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
TYPE_NAME = re.compile(r"[A-Z][A-Za-z0-9]*")

#: Top-level module names of the generated package that an operation name may not take.
__all__ = ["ViewError", "build_project"]

RESERVED_MODULES = frozenset({"registry", "shared_types"})

_NUMERIC_BASES = frozenset({"int", "float", "decimal"})


@dataclass(frozen=True)
class FieldView:
    #: Python name: the model attribute and the keyword parameter of generated methods.
    name: str
    #: Annotation used in models and in method parameters: ``Decimal``, ``str | None``.
    annotation: str
    #: Right-hand side in a model body (``Field(...)``), or None for a plain required field.
    model_value: str | None
    #: Default literal of a keyword parameter, or None when the parameter is required.
    param_default: str | None
    #: The model fills the default from a factory, so a caller's ``None`` means "not given".
    factory: bool
    sensitive: bool
    #: Spec name: the JSON key and the model field's alias. It differs from ``name`` only
    #: for a field that :func:`opsgen.spec.names.python_field_name` renames.
    wire_name: str

    @property
    def aliased(self) -> bool:
        return self.wire_name != self.name


@dataclass(frozen=True)
class ModelView:
    class_name: str
    doc: str
    fields: tuple[FieldView, ...]

    @property
    def aliased(self) -> bool:
        """Whether a field's Python name differs from its JSON key, so the model needs ``populate_by_name``."""
        return any(f.aliased for f in self.fields)


@dataclass(frozen=True)
class ErrorView:
    code: str
    message: str
    doc: str
    details: tuple[FieldView, ...]
    http_status: int = 422


@dataclass(frozen=True)
class EffectView:
    name: str
    doc: str
    payload: ModelView


@dataclass(frozen=True)
class OperationView:
    name: str
    parts: tuple[str, ...]
    source_path: str
    stem: str
    doc: str
    #: Generated module path inside the package, without suffix: ``billing/credit_account``.
    module_path: str
    #: Dotted module name relative to the package: ``billing.credit_account``.
    module_name: str
    #: ``..`` and so on: the relative import prefix from this module to the package root.
    package_prefix: str
    imports: tuple[str, ...]
    shared_imports: tuple[str, ...]
    input_model: ModelView
    output_model: ModelView
    errors: tuple[ErrorView, ...]
    effects: tuple[EffectView, ...]
    #: ``keyword=literal`` lines of the ``OperationDeclaration`` call, in field order.
    declaration: tuple[str, ...]
    implementation_module: str
    #: Dotted paths of the values the runtime redacts, such as ``input.card.number``.
    sensitive_paths: tuple[str, ...]


@dataclass(frozen=True)
class SharedTypeView:
    name: str
    kind: str  # "alias" or "object"
    doc: str
    #: For an alias: the aliased annotation. For an object: unused.
    annotation: str
    fields: tuple[FieldView, ...]


@dataclass(frozen=True)
class ProjectView:
    operations: tuple[OperationView, ...]
    shared_types: tuple[SharedTypeView, ...]
    shared_imports: tuple[str, ...]
    #: Source paths of the ``kind: types`` files, sorted.
    shared_sources: tuple[str, ...]


def camel_case(snake: str) -> str:
    """Return ``credit_account`` as ``CreditAccount``."""
    return "".join(part[:1].upper() + part[1:] for part in snake.split("_") if part)


class _Builder:
    """Build views for one project; collects every problem instead of stopping at the first."""

    def __init__(self, types: tuple[SourceType, ...]) -> None:
        self.type_specs: dict[str, SharedTypeSpec] = {t.name: t.spec for t in types}
        self.type_names = frozenset(self.type_specs)
        self.problems: list[str] = []

    # -- fields ---------------------------------------------------------------------------

    def build_fields(
        self, where: str, fields: dict[str, FieldSpec | str], imports: Imports
    ) -> tuple[FieldView, ...]:
        views = []
        for name, raw in fields.items():
            try:
                views.append(self.build_field(name, raw, imports))
            except (ViewError, TypeExpressionError) as exc:
                self.problems.append(f"{where}: field {name!r}: {exc}")
        for earlier, later in python_name_collisions(list(fields)):
            self.problems.append(
                f"{where}: field {later!r}: it and field {earlier!r} would both become the Python name "
                f"{python_field_name(later)!r}; rename one of them"
            )
        return tuple(views)

    def build_field(self, name: str, raw: FieldSpec | str, imports: Imports) -> FieldView:
        if not FIELD_IDENTIFIER.fullmatch(name) or keyword.iskeyword(name):
            raise ViewError(
                f"field name {name!r} must be letters, digits and underscores, start with a letter "
                "and not be a Python keyword"
            )
        if name.startswith("model_"):
            raise ViewError(f"{name!r} starts with 'model_', a prefix pydantic reserves; rename the field")
        python_name = python_field_name(name)
        spec = FieldSpec(type=raw) if isinstance(raw, str) else raw

        base, annotation, shared = self.field_type(spec, imports)
        kwargs: list[str] = []
        if python_name != name:
            kwargs.append(f"alias={py_literal(name)}")
        factory = False
        param_default: str | None = None
        if spec.default is not None:
            param_default = self.default_literal(spec.default, base, spec.enum, imports)
            kwargs.append(f"default={param_default}")
        elif spec.optional and base in {"list", "map"}:
            factory = True
            kwargs.append("default_factory=" + ("list" if base == "list" else "dict"))
            param_default = "None"
        elif spec.optional:
            annotation = f"{annotation} | None"
            param_default = "None"
            kwargs.append("default=None")

        kwargs.extend(self.constraint_kwargs(spec, base, imports))
        if spec.description:
            kwargs.append(f"description={py_literal(spec.description)}")
        sensitive = spec.sensitive or any(self.type_specs[s].sensitive for s in shared)
        if sensitive:
            kwargs.append("repr=False")
        if kwargs:
            imports.lines.add("from pydantic import Field")
        model_value = f"Field({', '.join(kwargs)})" if kwargs else None
        return FieldView(python_name, annotation, model_value, param_default, factory, sensitive, name)

    def field_type(self, spec: FieldSpec, imports: Imports) -> tuple[str, str, frozenset[str]]:
        """Return the field's base kind, its annotation and the shared types it uses."""
        if spec.enum is not None:
            if spec.type is not None:
                raise ViewError("set either `type` or `enum`, not both")
            imports.lines.add("from typing import Literal")
            values = ", ".join(py_literal(v) for v in spec.enum)
            return "enum", f"Literal[{values}]", frozenset()
        if spec.type is None:
            raise ViewError("missing `type`: give a type expression or an `enum` list")
        resolved = resolve(spec.type, self.type_names, imports)
        return self.scalar_base(resolved), resolved.annotation, resolved.shared

    def scalar_base(self, resolved: ResolvedType) -> str:
        """Return the scalar kind behind a shared alias, so defaults and bounds can be checked."""
        if resolved.base != "shared":
            return resolved.base
        (name,) = resolved.shared
        seen: set[str] = set()
        while name not in seen:
            seen.add(name)
            shared = self.type_specs[name]
            if shared.enum is not None:
                return "enum"
            if shared.fields is not None or shared.type is None:
                return "object"
            text = shared.type.replace(" ", "")
            if text in self.type_specs:
                name = text
                continue
            if text.startswith("list["):
                return "list"
            if text.startswith("map["):
                return "map"
            return text
        raise ViewError(f"shared type {name!r} is an alias of itself")

    def default_literal(self, value: object, base: str, enum: list[str] | None, imports: Imports) -> str:
        """Return the Python literal of a default, checked against the field's type."""
        if enum is not None and value not in enum:
            raise ViewError(f"default {value!r} is not one of {enum}")
        if base in {"str", "enum"} and isinstance(value, str):
            return py_literal(value)
        if base == "bool" and isinstance(value, bool):
            return py_literal(value)
        if base == "int" and isinstance(value, int) and not isinstance(value, bool):
            return py_literal(value)
        if base == "float" and isinstance(value, (int, float)) and not isinstance(value, bool):
            return py_literal(float(value))
        if base == "decimal" and isinstance(value, (int, float, str)) and not isinstance(value, bool):
            try:
                number = Decimal(str(value))
            except ArithmeticError:
                raise ViewError(f"default {value!r} is not a decimal number") from None
            imports.lines.add("from decimal import Decimal")
            return py_literal(number)
        if base in {"date", "datetime", "uuid"} and isinstance(value, str):
            return self.parsed_default(value, base, imports)
        raise ViewError(f"default {value!r} does not fit type {base}")

    def parsed_default(self, value: str, base: str, imports: Imports) -> str:
        try:
            if base == "date":
                date.fromisoformat(value)
            elif base == "datetime":
                datetime.fromisoformat(value)
            else:
                UUID(value)
        except ValueError:
            raise ViewError(f"default {value!r} is not a valid {base}") from None
        if base == "uuid":
            imports.lines.add("from uuid import UUID")
            return f"UUID({py_literal(value)})"
        imports.lines.add(f"from datetime import {base}")
        return f"{base}.fromisoformat({py_literal(value)})"

    def constraint_kwargs(self, spec: FieldSpec | SharedTypeSpec, base: str, imports: Imports) -> list[str]:
        kwargs = []
        for bound in ("ge", "gt", "le", "lt"):
            value: Decimal | None = getattr(spec, bound)
            if value is None:
                continue
            if base not in _NUMERIC_BASES:
                raise ViewError(f"`{bound}` applies to int, float and decimal fields, not {base}")
            kwargs.append(f"{bound}={self.bound_literal(value, base, imports)}")
        for key in ("min_length", "max_length", "max_digits", "decimal_places"):
            number: int | None = getattr(spec, key)
            if number is not None:
                kwargs.append(f"{key}={py_literal(number)}")
        if spec.pattern is not None:
            try:
                re.compile(spec.pattern)
            except re.error as exc:
                raise ViewError(f"invalid pattern {spec.pattern!r}: {exc}") from None
            kwargs.append(f"pattern={py_literal(spec.pattern)}")
        return kwargs

    def bound_literal(self, value: Decimal, base: str, imports: Imports) -> str:
        if base == "int":
            if value != value.to_integral_value():
                raise ViewError(f"bound {value} is not an integer")
            return py_literal(int(value))
        if base == "float":
            return py_literal(float(value))
        imports.lines.add("from decimal import Decimal")
        return py_literal(value)

    # -- shared types -------------------------------------------------------------------

    def build_shared(self, types: tuple[SourceType, ...], imports: Imports) -> tuple[SharedTypeView, ...]:
        views: dict[str, SharedTypeView] = {}
        dependencies: dict[str, set[str]] = {}
        for source in types:
            if not TYPE_NAME.fullmatch(source.name) or keyword.iskeyword(source.name):
                self.problems.append(
                    f"{source.path}: type name {source.name!r} must be CamelCase letters and digits"
                )
                continue
            local = Imports()
            try:
                views[source.name] = self.build_shared_type(source, local)
            except (ViewError, TypeExpressionError) as exc:
                self.problems.append(f"{source.path}: type {source.name!r}: {exc}")
                continue
            dependencies[source.name] = local.shared - {source.name}
            local.shared.clear()
            imports.merge(local)
        return tuple(views[name] for name in dependency_order(dependencies))

    def build_shared_type(self, source: SourceType, imports: Imports) -> SharedTypeView:
        spec = source.spec
        doc = spec.description or f"Shared type {source.name}."
        chosen = [k for k in ("type", "enum", "fields") if getattr(spec, k) is not None]
        if len(chosen) != 1:
            raise ViewError("set exactly one of `type`, `enum` or `fields`")
        if spec.fields is not None:
            fields = self.build_fields(f"{source.path}: type {source.name!r}", spec.fields, imports)
            return SharedTypeView(source.name, "object", doc, "", fields)
        imports.lines.add("from typing import TypeAlias")
        if spec.enum is not None:
            imports.lines.add("from typing import Literal")
            values = ", ".join(py_literal(v) for v in spec.enum)
            return SharedTypeView(source.name, "alias", doc, f"Literal[{values}]", ())
        assert spec.type is not None
        resolved = resolve(spec.type, self.type_names, imports)
        kwargs = self.constraint_kwargs(spec, self.scalar_base(resolved), imports)
        if spec.description:
            kwargs.append(f"description={py_literal(spec.description)}")
        if not kwargs:
            return SharedTypeView(source.name, "alias", doc, resolved.annotation, ())
        imports.lines.add("from typing import Annotated")
        imports.lines.add("from pydantic import Field")
        annotation = f"Annotated[{resolved.annotation}, Field({', '.join(kwargs)})]"
        return SharedTypeView(source.name, "alias", doc, annotation, ())

    # -- operations -----------------------------------------------------------------------

    def build_operation(self, source: SourceOperation, implementations: str) -> OperationView | None:
        spec = source.spec
        parts = tuple(spec.name.split("."))
        start = len(self.problems)
        for part in parts:
            try:
                check_identifier(part, "name part")
            except ViewError as exc:
                self.problems.append(f"{source.path}: name {spec.name!r}: {exc}")
        if parts[0] in RESERVED_MODULES:
            self.problems.append(
                f"{source.path}: name {spec.name!r}: {parts[0]!r} is a generated module; choose another first part"
            )
        if len(self.problems) > start:
            return None

        stem = camel_case(parts[-1])
        imports = Imports()
        where = f"{source.path}"
        input_fields = self.build_fields(f"{where}: input", dict(spec.input), imports)
        output_fields = self.build_fields(f"{where}: output", dict(spec.output), imports)
        errors = self.build_errors(source, imports)
        effects = self.build_effects(source, stem, imports)
        sensitive = operation_sensitive_paths(spec, self.type_specs)
        declaration = self.declaration_lines(spec, stem, sensitive)
        if len(self.problems) > start:
            return None

        return OperationView(
            name=spec.name,
            parts=parts,
            source_path=source.path,
            stem=stem,
            doc=spec.description or f"Operation {spec.name}.",
            module_path="/".join(parts),
            module_name=".".join(parts),
            package_prefix="." * len(parts),
            imports=tuple(sorted(imports.lines)),
            shared_imports=tuple(sorted(imports.shared)),
            input_model=ModelView(f"{stem}Input", f"Input of {spec.name}.", input_fields),
            output_model=ModelView(f"{stem}Output", f"Output of {spec.name}.", output_fields),
            errors=errors,
            effects=effects,
            declaration=declaration,
            implementation_module=f"{implementations}.{spec.name}" if implementations else spec.name,
            sensitive_paths=tuple(sensitive),
        )

    def build_errors(self, source: SourceOperation, imports: Imports) -> tuple[ErrorView, ...]:
        views = []
        for code, error in sorted(source.spec.errors.items()):
            try:
                check_identifier(code, "error code")
            except ViewError as exc:
                self.problems.append(f"{source.path}: errors: {exc}")
                continue
            details = self.build_fields(f"{source.path}: errors.{code}.details", dict(error.details), imports)
            views.append(ErrorView(code, error.message, error.message, details, error.http_status))
        return tuple(views)

    def build_effects(self, source: SourceOperation, stem: str, imports: Imports) -> tuple[EffectView, ...]:
        views = []
        for name, effect in sorted(source.spec.side_effects.items()):
            try:
                check_identifier(name, "side effect name")
            except ViewError as exc:
                self.problems.append(f"{source.path}: side_effects: {exc}")
                continue
            if name in {"run", "errors", "declaration", "execute"}:
                self.problems.append(
                    f"{source.path}: side_effects: {name!r} is a method of the generated base class; rename the effect"
                )
                continue
            payload = self.build_fields(f"{source.path}: side_effects.{name}.payload", dict(effect.payload), imports)
            model = ModelView(
                f"{stem}{camel_case(name)}Payload", f"Payload of the {name} side effect.", payload
            )
            doc = effect.description or f"Request the {name} side effect; it runs after the outermost commit."
            views.append(EffectView(name, doc, model))
        return tuple(views)

    def declaration_lines(
        self,
        spec: OperationSpec,
        stem: str,
        sensitive: list[str],
    ) -> tuple[str, ...]:
        lines = [
            f"name={py_literal(spec.name)}",
            f"version={py_literal(spec.version)}",
            f"description={py_literal(spec.description)}",
            f"input_model={stem}Input",
            f"output_model={stem}Output",
        ]
        if spec.errors:
            items = [
                f"ErrorDeclaration(code={py_literal(code)}, message={py_literal(e.message)}, "
                f"http_status={py_literal(e.http_status)})"
                for code, e in sorted(spec.errors.items())
            ]
            lines.append("errors=" + tuple_literal(items))
        if spec.context.requires:
            lines.append("context_requires=" + tuple_literal([py_literal(k) for k in spec.context.requires]))
        if spec.transaction:
            transaction = spec.transaction if isinstance(spec.transaction, TransactionSpec) else TransactionSpec()
            isolation = transaction.isolation.value if transaction.isolation is not None else None
            lines.append(
                f"transaction=TransactionDeclaration(isolation={py_literal(isolation)}, "
                f"nested={py_literal(transaction.nested)})"
            )
        if spec.locks:
            items = [
                f"LockDeclaration(key={py_literal(lock.key)}, timeout={py_literal(lock.timeout)}, "
                f"lease={py_literal(lock.lease)})"
                for lock in spec.locks
            ]
            lines.append("locks=" + tuple_literal(items))
        if spec.singleton:
            singleton = spec.singleton if not isinstance(spec.singleton, bool) else None
            key = singleton.key if singleton is not None and singleton.key else spec.name
            if singleton is None:
                lines.append(f"singleton=SingletonDeclaration(key={py_literal(key)})")
            else:
                lines.append(
                    f"singleton=SingletonDeclaration(key={py_literal(key)}, "
                    f"on_conflict={py_literal(singleton.on_conflict)}, "
                    f"timeout={py_literal(singleton.timeout)}, lease={py_literal(singleton.lease)})"
                )
        if spec.side_effects:
            items = [
                f"EffectDeclaration(name={py_literal(name)}, kind={py_literal(effect.kind.value)}, "
                f"durable={py_literal(effect.durable)}, retry={retry_literal(effect.retry)})"
                for name, effect in sorted(spec.side_effects.items())
            ]
            lines.append("effects=" + tuple_literal(items))
        if spec.progress:
            lines.append("progress=True")
        if spec.audit is not None and spec.audit.changes:
            lines.append("audit_changes=" + tuple_literal([py_literal(c) for c in spec.audit.changes]))
        if sensitive:
            lines.append("sensitive_paths=frozenset({" + ", ".join(py_literal(s) for s in sensitive) + "})")
        if spec.queue != "default":
            lines.append(f"queue={py_literal(spec.queue)}")
        if spec.retry is not None:
            lines.append(f"retry={retry_literal(spec.retry)}")
        return tuple(lines)


def retry_literal(retry: object) -> str:
    fields = ("max_attempts", "backoff", "multiplier", "max_delay")
    args = ", ".join(f"{name}={py_literal(getattr(retry, name))}" for name in fields)
    return f"RetryPolicy({args})"


def tuple_literal(items: list[str]) -> str:
    if len(items) == 1:
        return f"({items[0]},)"
    return "(" + ", ".join(items) + ")"


def check_identifier(name: str, what: str) -> None:
    """Raise :class:`ViewError` unless ``name`` is a lowercase Python identifier and no keyword."""
    if not IDENTIFIER.fullmatch(name) or keyword.iskeyword(name):
        raise ViewError(
            f"{what} {name!r} must be lowercase letters, digits and underscores, start with a letter "
            "and not be a Python keyword"
        )


def dependency_order(dependencies: dict[str, set[str]]) -> list[str]:
    """Return names so that each comes after what it depends on; ties and cycles break by name."""
    ordered: list[str] = []
    state: dict[str, int] = {}

    def visit(name: str) -> None:
        if state.get(name):
            return
        state[name] = 1
        for dependency in sorted(dependencies.get(name, ())):
            if dependency in dependencies:
                visit(dependency)
        state[name] = 2
        ordered.append(name)

    for name in sorted(dependencies):
        visit(name)
    return ordered


def build_project(source: SpecSource, implementations: str) -> ProjectView:
    """Build the views of every operation and shared type.

    Raises :class:`ViewError` listing every problem, one a line, sorted by spec path.
    """
    builder = _Builder(source.types)
    shared_imports = Imports()
    shared = builder.build_shared(source.types, shared_imports)

    operations: dict[str, OperationView] = {}
    paths: dict[str, str] = {}
    for operation in sorted(source.operations, key=lambda o: (o.spec.name, o.path)):
        name = operation.spec.name
        if name in paths:
            builder.problems.append(
                f"{operation.path}: operation {name!r} is already declared in {paths[name]}; names must be unique"
            )
            continue
        paths[name] = operation.path
        view = builder.build_operation(operation, implementations)
        if view is not None:
            operations[name] = view

    for other in sorted(paths):
        parts = other.split(".")
        for depth in range(1, len(parts)):
            name = ".".join(parts[:depth])
            if name in paths:
                builder.problems.append(
                    f"{paths[other]}: operation {other!r} needs a package {name!r}, but "
                    f"{paths[name]} declares an operation of that name; rename one of them"
                )
    if builder.problems:
        raise ViewError("\n".join(sorted(builder.problems)))
    return ProjectView(
        operations=tuple(operations[n] for n in sorted(operations)),
        shared_types=shared,
        shared_imports=tuple(sorted(shared_imports.lines)),
        shared_sources=tuple(sorted({t.path for t in source.types})),
    )
