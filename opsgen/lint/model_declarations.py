"""Facts read from the class statement of a project model: unique fields and version columns.

The summaries keep a class's bases and relations, not its field options or ``Meta``, so
these facts come from the syntax tree of the module that declares the class, parsed on
first use. Only rules about to report ask, so most runs parse nothing more.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from opsgen.lint.rule import ModuleContext

#: Bases that declare no fields, constraints or mapper options of their own.
FIELDLESS_BASES = frozenset(
    {
        "django.db.models.Model",
        "django.db.models.base.Model",
        "builtins.object",
        "object",
        "sqlalchemy.orm.DeclarativeBase",
        "sqlalchemy.orm.DeclarativeBaseNoMeta",
    }
)
#: Django fields that are unique without ``unique=True``.
UNIQUE_FIELD_TYPES = frozenset({"OneToOneField", "AutoField", "BigAutoField", "SmallAutoField"})
#: Django fields of optimistic-locking packages. A model with one saves with ``UPDATE ...
#: WHERE version = <the version read>`` and raises when no row matched: django-concurrency's
#: fields (``RecordModifiedError``) and django-optimistic-lock's ``VersionField``
#: (``ConcurrentUpdate``), which checks only in a model that also inherits its ``VersionedMixin``.
VERSION_FIELD_TYPES = frozenset(
    {"IntegerVersionField", "AutoIncVersionField", "TriggerVersionField", "ConditionalVersionField", "VersionField"}
)
MIXIN_CHECKED_FIELDS = {"VersionField": "VersionedMixin"}
#: Field and column types whose value is text, bytes or a collection, which ``+=`` extends
#: rather than counts: Django's fields (with ``django.contrib.postgres``'s) and SQLAlchemy's types.
TEXT_FIELD_TYPES = frozenset(
    {
        "CharField", "TextField", "SlugField", "EmailField", "URLField", "JSONField", "ArrayField",
        "HStoreField", "BinaryField", "FilePathField", "CICharField", "CIEmailField", "CITextField",
        "String", "Text", "Unicode", "UnicodeText", "VARCHAR", "NVARCHAR", "CHAR", "TEXT", "JSON",
        "JSONB", "ARRAY", "LargeBinary", "str", "bytes", "list", "dict", "List", "Dict",
    }
)
#: Field and column types whose value is a number, a date or a duration, which ``+=`` counts.
NUMBER_FIELD_TYPES = frozenset(
    {
        "IntegerField", "BigIntegerField", "SmallIntegerField", "PositiveIntegerField",
        "PositiveBigIntegerField", "PositiveSmallIntegerField", "DecimalField", "FloatField",
        "DurationField", "DateTimeField", "DateField", "MoneyField",
        "Integer", "BigInteger", "SmallInteger", "Numeric", "Float", "Double", "DECIMAL", "INTEGER",
        "BIGINT", "NUMERIC", "Interval", "DateTime", "Date", "int", "float", "Decimal", "datetime", "timedelta",
    }
)
#: Calls that declare a SQLAlchemy column, whose type is their first argument that is not its name.
COLUMN_CALLS = frozenset({"Column", "mapped_column"})


def qualify_model(module: ModuleContext, written: str) -> str | None:
    """Return the qualified name of a model class written as ``written`` (``Item``, ``models.Item``) in ``module``."""
    try:
        expression = ast.parse(written, mode="eval").body
    except SyntaxError:
        return None
    qualified = module.qualify(expression)
    if not qualified:
        return None
    canonical = module.analysis.canonical(qualified)
    entry = module.index.classes.get(canonical)
    if entry is not None:
        module.read_paths.add(entry[0].path)  # whether it is a model depends on that file
    return canonical


def class_definition(module: ModuleContext, qualname: str) -> ast.ClassDef | None:
    """Return the class statement of a project class, or None when it is not in the project."""
    entry = module.index.classes.get(qualname)
    if entry is None:
        return None
    summary, klass = entry
    tree = module.project_tree(summary.path)
    if tree is None:
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.lineno == klass.line and node.name == klass.name:
            return node
    return None


def _project_classes(module: ModuleContext, qualname: str) -> list[ast.ClassDef] | None:
    """Return the class statements of a model and its project ancestors, or None when an
    ancestor is neither in the project nor a base known to declare nothing."""
    definitions: list[ast.ClassDef] = []
    for ancestor in module.analysis.mro(qualname):
        definition = class_definition(module, ancestor)
        if definition is not None:
            definitions.append(definition)
        elif ancestor not in FIELDLESS_BASES:
            return None
    return definitions or None


def declares_version_column(module: ModuleContext, qualname: str) -> bool:
    """Return True when the model or a project ancestor declares an optimistic version column.

    A SQLAlchemy model sets ``version_id_col`` in ``__mapper_args__``: its flush then updates
    with ``WHERE version = :read`` and raises ``StaleDataError`` when another writer came
    first. A Django model declares a field of ``VERSION_FIELD_TYPES``, whose ``save()``
    checks the version the same way.
    """
    ancestors = module.analysis.mro(qualname)
    for ancestor in ancestors:
        definition = class_definition(module, ancestor)
        if definition is None:
            continue
        for statement in definition.body:
            value = _assigned_value(statement, "__mapper_args__")
            if isinstance(value, ast.Dict) and any(
                isinstance(key, ast.Constant) and key.value == "version_id_col" for key in value.keys
            ):
                return True
            field = _field_definition(statement)
            kind = _call_name(field[1]) if field is not None else ""
            if kind in VERSION_FIELD_TYPES:
                mixin = MIXIN_CHECKED_FIELDS.get(kind)
                if mixin is None or any(name.rpartition(".")[2] == mixin for name in ancestors):
                    return True
    return False


def loads_versioned_row(module: ModuleContext, model: str) -> bool:
    """Return True when ``model``, a class as a load names it (``Page``, ``models.Page``),
    is a project model with an optimistic version column: a stale write-back of its row
    raises instead of overwriting."""
    qualified = qualify_model(module, model) if model else None
    return qualified is not None and declares_version_column(module, qualified)


def unique_field_sets(module: ModuleContext, qualname: str) -> list[frozenset[str]] | None:
    """Return the sets of fields a unique constraint covers on a Django model and its project
    ancestors: ``unique=True`` and primary-key fields, ``Meta.unique_together`` and
    ``UniqueConstraint(fields=...)`` in ``Meta.constraints``. Return None when the model or
    one of its bases is not in the project, or a constraint cannot be read (a name bound
    elsewhere, a ``UniqueConstraint`` on expressions): then nothing is proven missing."""
    definitions = _project_classes(module, qualname)
    if definitions is None:
        return None
    found: list[frozenset[str]] = [frozenset({"pk"}), frozenset({"id"})]
    for definition in definitions:
        for statement in definition.body:
            if isinstance(statement, ast.ClassDef) and statement.name == "Meta":
                meta = _meta_unique_sets(statement)
                if meta is None:
                    return None
                found.extend(meta)
                continue
            field = _field_definition(statement)
            if field is None:
                continue
            name, call = field
            options = {keyword.arg: keyword.value for keyword in call.keywords}
            if _is_true(options.get("unique")) or _is_true(options.get("primary_key")) or _call_name(call) in UNIQUE_FIELD_TYPES:
                found.append(frozenset({name}))
    return found


def _meta_unique_sets(meta: ast.ClassDef) -> list[frozenset[str]] | None:
    found: list[frozenset[str]] = []
    for statement in meta.body:
        together = _assigned_value(statement, "unique_together")
        if together is not None:
            groups = _string_groups(together)
            if groups is None:
                return None
            found.extend(groups)
        constraints = _assigned_value(statement, "constraints")
        if constraints is None:
            continue
        if not isinstance(constraints, (ast.List, ast.Tuple)):
            return None
        for constraint in constraints.elts:
            if not isinstance(constraint, ast.Call) or _call_name(constraint) != "UniqueConstraint":
                continue
            fields = next((keyword.value for keyword in constraint.keywords if keyword.arg == "fields"), None)
            names = _strings(fields) if fields is not None else None
            if names is None:
                return None  # UniqueConstraint(Lower("email"), ...) or fields bound elsewhere
            found.append(frozenset(names))
    return found


def _string_groups(value: ast.expr) -> list[frozenset[str]] | None:
    """Read ``unique_together``: one tuple of names, or a sequence of them."""
    if not isinstance(value, (ast.List, ast.Tuple)):
        return None
    flat = _strings(value)
    if flat is not None:
        return [frozenset(flat)]
    groups = [_strings(element) for element in value.elts]
    if any(group is None for group in groups):
        return None
    return [frozenset(group) for group in groups if group is not None]


def _strings(value: ast.expr) -> list[str] | None:
    if not isinstance(value, (ast.List, ast.Tuple)):
        return None
    names = [element.value for element in value.elts if isinstance(element, ast.Constant) and isinstance(element.value, str)]
    return names if len(names) == len(value.elts) else None


def _field_definition(statement: ast.stmt) -> tuple[str, ast.Call] | None:
    """Return ``(name, call)`` for a class attribute set to a call, such as ``email = models.EmailField(unique=True)``."""
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name):
        if isinstance(statement.value, ast.Call):
            return statement.targets[0].id, statement.value
    if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name) and isinstance(statement.value, ast.Call):
        return statement.target.id, statement.value
    return None


def _assigned_value(statement: ast.stmt, name: str) -> ast.expr | None:
    if isinstance(statement, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in statement.targets):
        return statement.value
    if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name) and statement.target.id == name:
        return statement.value
    return None


def _call_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def _is_true(value: ast.expr | None) -> bool:
    return isinstance(value, ast.Constant) and value.value is True


def declared_field_kind(module: ModuleContext, model: str, field: str) -> str | None:
    """Return ``"text"`` or ``"number"`` for the type that a project model declares for
    ``field`` (:data:`TEXT_FIELD_TYPES`, :data:`NUMBER_FIELD_TYPES`), or None when the model
    or the field is not found or its type is another one.

    ``model`` is the class as written where the row was loaded (``Account``,
    ``models.Account``) or a qualified name. A Django field (``models.TextField()``), a
    SQLAlchemy column (``Column(String(40))``, ``db.Column(db.Text)``, ``mapped_column(JSON)``)
    and a ``Mapped[str]`` annotation are read.
    """
    qualified = model if model in module.index.classes else qualify_model(module, model)
    if qualified is None:
        return None
    for ancestor in module.analysis.mro(qualified):
        definition = class_definition(module, ancestor)
        if definition is None:
            continue
        for statement in definition.body:
            type_name = _declared_type(statement, field)
            if type_name in TEXT_FIELD_TYPES:
                return "text"
            if type_name in NUMBER_FIELD_TYPES:
                return "number"
            if type_name is not None:
                return None
    return None


def _declared_type(statement: ast.stmt, field: str) -> str | None:
    """Return the last name of the type that ``statement`` declares for ``field``: ``TextField``
    for ``note = models.TextField()``, ``String`` for ``Column(String(40))``, ``str`` for
    ``note: Mapped[str | None]``; ``""`` for a declaration of another form, None when the
    statement does not declare ``field``."""
    if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name) and statement.target.id == field:
        annotated = _mapped_type(statement.annotation)
        if annotated:
            return annotated
        return _call_type(statement.value) if isinstance(statement.value, ast.Call) else ""
    definition = _field_definition(statement)
    if definition is None or definition[0] != field:
        return None
    return _call_type(definition[1])


def _call_type(call: ast.Call) -> str:
    """Return the type of a field or column call: the called class, or a column's type argument."""
    name = _call_name(call)
    if name not in COLUMN_CALLS:
        return name
    for argument in call.args:
        if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
            continue  # Column("note_text", Text): the column's name
        if isinstance(argument, ast.Call):
            return _call_name(argument)
        return _last_name(argument)
    return ""


def _mapped_type(annotation: ast.expr) -> str:
    """Return the type inside ``Mapped[...]``, without ``Optional[...]`` or ``| None``."""
    if not (isinstance(annotation, ast.Subscript) and _last_name(annotation.value) == "Mapped"):
        return ""
    inner = annotation.slice
    if isinstance(inner, ast.BinOp) and isinstance(inner.op, ast.BitOr):
        parts = [part for part in (inner.left, inner.right) if not (isinstance(part, ast.Constant) and part.value is None)]
        inner = parts[0] if len(parts) == 1 else inner
    if isinstance(inner, ast.Subscript) and _last_name(inner.value) == "Optional":
        inner = inner.slice
    if isinstance(inner, ast.Subscript):
        inner = inner.value  # list[str] -> list
    return _last_name(inner)


def _last_name(node: ast.expr) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ""
