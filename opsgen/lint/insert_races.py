"""Inserts that race without a lock in shapes other than an ``exists()`` check before ``create()``.

* ``Model.objects.get_or_create(a=..., b=...)`` runs a SELECT, then an INSERT when it finds
  nothing. When a unique constraint covers the lookup, Django catches the
  ``IntegrityError`` of the losing insert and returns the row that won. Without one, two
  callers both insert, and later gets raise ``MultipleObjectsReturned``.
* ``order.items.get_or_create(sku=...)`` through a related manager looks up the rows of
  the related model with the manager's foreign key added to the lookup (``order=order``),
  so a unique constraint must cover that key and the lookup fields together. A many-to-many
  manager adds no field of the related model.
* A quota checked through a related manager (``len(account.keys.all()) >= limit`` or
  ``account.keys.count() >= limit``), then a row created through it
  (``account.keys.create(...)``) or for its owner (``Key.objects.create(account=account)``):
  two callers both count the same rows and both insert past the limit.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from weakref import WeakKeyDictionary

from opsgen.lint.analysis import Analysis
from opsgen.lint.model_declarations import qualify_model, unique_field_sets
from opsgen.lint.orm import ROW_LOCKS, callee_name, is_lock_name, scope_nodes, takes_lock
from opsgen.lint.query_chains import call_chain
from opsgen.lint.rule import ModuleContext
from opsgen.lint.summary import dotted_text

GET_OR_CREATE = frozenset({"get_or_create", "update_or_create"})
#: Keyword arguments of ``get_or_create()`` that are not part of the lookup.
NOT_LOOKUP = frozenset({"defaults", "create_defaults"})
#: Query steps whose keyword arguments narrow the lookup of a later ``get_or_create()``.
LOOKUP_STEPS = frozenset({"filter", "get_or_create", "update_or_create"})
#: Calls on a related manager that read the rows it counts.
RELATED_READS = frozenset({"all", "filter", "exclude", "count"})
ENDS_BLOCK = (ast.Return, ast.Raise, ast.Continue, ast.Break)


@dataclass(frozen=True)
class UnbackedGetOrCreate:
    call: ast.Call
    method: str
    model: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class RelatedRows:
    """The rows of a Django related manager: their model, and the foreign key of that
    model the manager filters on (None for a many-to-many manager)."""

    model: str
    link_field: str | None


@dataclass(frozen=True)
class _Relation:
    """A relation field declared on a project model: ``attribute = ForeignKey(target, ...)``."""

    declared_on: str
    attribute: str
    kind: str  # "one" for a foreign key, "many" for a many-to-many field
    target: str


#: For each analysis: reverse accessor name -> the relations that give a model that accessor.
_reverse_relations: WeakKeyDictionary[Analysis, dict[str, list[_Relation]]] = WeakKeyDictionary()


@dataclass(frozen=True)
class RelatedQuota:
    statement: ast.stmt  # the statement that reads the related rows
    manager: str  # the related manager as written, such as ``account.api_keys``


def _lock_line(function: ast.FunctionDef | ast.AsyncFunctionDef) -> int | None:
    """Return the first line that takes a lock in the function: a row lock, a lock call or a ``with <lock>:``."""
    lines = []
    for node in scope_nodes(function.body):
        if isinstance(node, ast.Call):
            name = callee_name(node.func)
            if name in ROW_LOCKS or (name and is_lock_name(name)) or any(k.arg == "with_for_update" for k in node.keywords):
                lines.append(node.lineno)
        elif isinstance(node, (ast.With, ast.AsyncWith)) and any(takes_lock(item) for item in node.items):
            lines.append(node.lineno)
    return min(lines, default=None)


def _lookup_fields(call: ast.Call) -> tuple[str, ...] | None:
    """Return the model fields a ``get_or_create()`` looks up, with those of the ``filter()``
    steps before it; None when ``**kwargs`` or a positional ``Q()`` hides some."""
    steps, _ = call_chain(call)
    fields: set[str] = set()
    for name, step in steps:
        if name not in LOOKUP_STEPS or step is None:
            continue
        if step.args:
            return None
        for keyword in step.keywords:
            if keyword.arg is None:
                return None
            if keyword.arg in NOT_LOOKUP:
                continue
            fields.add(keyword.arg.partition("__")[0])
    return tuple(sorted(fields))


def _field_names(lookup: tuple[str, ...]) -> set[str]:
    """Return the fields a lookup may name: ``user_id`` is the ``user`` foreign key or a field of its own."""
    names = set(lookup)
    names.update(name.removesuffix("_id") for name in lookup if name.endswith("_id") and name != "_id")
    return names


def unbacked_get_or_creates(module: ModuleContext, function: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterator[UnbackedGetOrCreate]:
    """Yield the ``get_or_create()`` calls, through ``Model.objects`` or a related manager
    (``order.items``), whose lookup no unique constraint of the project's model covers. A
    model outside the project, or one whose constraints cannot be read, is not reported."""
    lock_line = _lock_line(function)
    for node in scope_nodes(function.body):
        if not isinstance(node, ast.Call) or callee_name(node.func) not in GET_OR_CREATE:
            continue
        if lock_line is not None and lock_line < node.lineno:
            continue
        found = _get_or_create_model(module, node)
        if found is None:
            continue
        model, written, fields = found
        unique = unique_field_sets(module, model)
        if unique is None or any(group <= _field_names(fields) for group in unique):
            continue
        yield UnbackedGetOrCreate(node, callee_name(node.func), written, fields)


def _get_or_create_model(module: ModuleContext, call: ast.Call) -> tuple[str, str, tuple[str, ...]] | None:
    """Return the qualified model a ``get_or_create()`` call inserts into, the model as the
    message names it, and the fields of its lookup; None when the model is unknown."""
    steps, root = call_chain(call)
    fields = _lookup_fields(call)
    if not fields:
        return None
    if "objects" in [name for name, _ in steps]:
        if not isinstance(root, (ast.Name, ast.Attribute)):
            return None
        model = qualify_model(module, dotted_text(root))
        if model is None or not module.analysis.is_model(model):
            return None
        return model, dotted_text(root), fields
    rows = manager_rows(module, call)
    if rows is None:
        return None
    if rows.link_field is not None:
        fields = tuple(sorted({*fields, rows.link_field}))
    return rows.model, rows.model.rpartition(".")[2], fields


def manager_rows(module: ModuleContext, call: ast.Call) -> RelatedRows | None:
    """Return the rows of the related manager that a query chain starts from:
    ``order.items`` in ``order.items.filter(...).first()`` or ``order.items.create(...)``.

    The owner's model comes from its type or its name, as for related-manager writes
    (:class:`opsgen.lint.relations.RelatedManagers`). None when the chain does not start
    from a related manager of a project model, or when it may hold rows of several models.
    The files that declare the models are added to ``module.read_paths``.
    """
    first = call
    while isinstance(first.func, ast.Attribute) and isinstance(first.func.value, ast.Call):
        first = first.func.value  # order.items.filter(...).first(): start at filter()
    if not isinstance(first.func, ast.Attribute) or not isinstance(first.func.value, ast.Attribute):
        return None
    manager = first.func.value
    attribute = manager.attr
    if attribute == "objects" or attribute[:1].isupper() or not isinstance(manager.value, (ast.Name, ast.Attribute)):
        return None
    function = module.function_at(first.lineno)
    site = next((c for c in function.calls if c.line == first.lineno and c.column == first.col_offset), None) if function else None
    if site is None:
        return None
    analysis = module.analysis
    related = analysis.related_managers
    found: set[tuple[str, str | None]] = set()
    for owner in related.owner_models(site, dotted_text(manager.value)):
        for ancestor in analysis.mro(owner):
            found.update(_rows_of(analysis, ancestor, attribute))
    rows = {(model, link) for model, link in found if analysis.is_model(model)}
    if len(rows) != 1:
        return None
    model, link = rows.pop()
    for name in (model, *related.owner_models(site, dotted_text(manager.value))):
        entry = analysis.index.classes.get(name)
        if entry is not None:
            module.read_paths.add(entry[0].path)
    return RelatedRows(model, link)


def _rows_of(analysis: Analysis, model: str, attribute: str) -> set[tuple[str, str | None]]:
    """Return the (row model, link field) pairs of ``model``'s related manager ``attribute``:
    its own many-to-many field, or the reverse accessor of a relation that points to it."""
    related = analysis.related_managers
    found: set[tuple[str, str | None]] = set()
    entry = analysis.index.classes.get(model)
    if entry is not None:
        for name, kind, target, _ in entry[1].relations:
            if name == attribute and kind == "many" and target is not None:
                found.update((row, None) for row in related.targets(model, str(target)))
    for relation in _reverse_index(analysis).get(attribute, []):
        if model in related.targets(relation.declared_on, relation.target):
            found.add((relation.declared_on, relation.attribute if relation.kind == "one" else None))
    return found


def _reverse_index(analysis: Analysis) -> dict[str, list[_Relation]]:
    index = _reverse_relations.get(analysis)
    if index is None:
        index = {}
        for qualname, (_, klass) in analysis.index.classes.items():
            for attribute, kind, target, related_name in klass.relations:
                accessor = analysis.related_managers.reverse_name(klass.name, related_name)
                if accessor is not None and attribute and kind and target:
                    index.setdefault(accessor, []).append(_Relation(qualname, str(attribute), str(kind), str(target)))
        _reverse_relations[analysis] = index
    return index


def _related_read(expr: ast.expr) -> str | None:
    """Return the manager of ``owner.rel.all()``, ``owner.rel.filter(...)`` or ``owner.rel.count()``
    (also inside ``len(...)``), such as ``owner.rel``; None for other values."""
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.func.id == "len" and len(expr.args) == 1:
        expr = expr.args[0]
    if not (isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr in RELATED_READS):
        return None
    manager = expr.func.value
    while isinstance(manager, ast.Call) and isinstance(manager.func, ast.Attribute) and manager.func.attr in RELATED_READS:
        manager = manager.func.value  # owner.rel.filter(active=True).count()
    if not (isinstance(manager, ast.Attribute) and isinstance(manager.value, (ast.Name, ast.Attribute))):
        return None
    if manager.attr == "objects" or manager.attr[:1].isupper():
        return None  # Model.objects.count() is the existence check OPS207 already follows
    return dotted_text(manager)


def _compares_with_limit(test: ast.expr, counted: set[str], manager: str) -> bool:
    """Return True when ``test`` compares a count of the manager's rows with a limit other than 0 or 1."""
    for node in ast.walk(test):
        if not isinstance(node, ast.Compare):
            continue
        sides = [node.left, *node.comparators]
        counts = [side for side in sides if _is_count_of(side, counted, manager)]
        others = [side for side in sides if not _is_count_of(side, counted, manager)]
        if counts and any(not (isinstance(side, ast.Constant) and side.value in (0, 1)) for side in others):
            return True
    return False


def _is_count_of(expr: ast.expr, counted: set[str], manager: str) -> bool:
    if isinstance(expr, ast.Name):
        return expr.id in counted
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.func.id == "len" and len(expr.args) == 1:
        argument = expr.args[0]
        return (isinstance(argument, ast.Name) and argument.id in counted) or _related_read(argument) == manager
    return isinstance(expr, ast.Call) and callee_name(expr.func) == "count" and _related_read(expr) == manager


def _inserts_for(call: ast.Call, manager: str) -> bool:
    """Return True for ``owner.rel.create(...)`` or ``Model.objects.create(..., fk=owner)``."""
    if callee_name(call.func) not in ("create", "bulk_create") or not isinstance(call.func, ast.Attribute):
        return False
    receiver = dotted_text(call.func.value)
    if receiver == manager:
        return True
    owner = manager.rpartition(".")[0]
    return receiver.endswith(".objects") and any(dotted_text(keyword.value) == owner for keyword in call.keywords)


def related_quota_checks(function: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterator[RelatedQuota]:
    """Yield the related-manager counts compared with a limit in an ``if`` that leads to a
    row created through that manager or for its owner, with no lock taken before the count."""
    lock_line = _lock_line(function)
    nodes = sorted(
        (node for node in scope_nodes(function.body) if isinstance(node, (ast.Assign, ast.If, ast.Call))),
        key=lambda node: (node.lineno, node.col_offset),
    )
    bound: dict[str, tuple[ast.stmt, str]] = {}  # name -> (statement, manager) for keys = account.keys.all()
    tests: list[tuple[ast.If, ast.stmt, str]] = []
    for node in nodes:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            manager = _related_read(node.value)
            if manager is not None:
                bound[node.targets[0].id] = (node, manager)
            else:
                bound.pop(node.targets[0].id, None)
        elif isinstance(node, ast.If):
            for name, (statement, manager) in bound.items():
                if _compares_with_limit(node.test, {name}, manager):
                    tests.append((node, statement, manager))
                    break
            else:
                for part in ast.walk(node.test):
                    manager = _related_read(part) if isinstance(part, ast.expr) else None
                    if manager is not None and _compares_with_limit(node.test, set(), manager):
                        tests.append((node, node, manager))
                        break
        elif isinstance(node, ast.Call):
            for test, statement, manager in tests:
                end = test.end_lineno or test.lineno
                exits = bool(test.body) and isinstance(test.body[-1], ENDS_BLOCK)
                inside = test.lineno < node.lineno <= end or (exits and node.lineno > end)
                if inside and _inserts_for(node, manager) and (lock_line is None or lock_line > statement.lineno):
                    yield RelatedQuota(statement, manager)
                    tests = [entry for entry in tests if entry[1] is not statement]
                    break
