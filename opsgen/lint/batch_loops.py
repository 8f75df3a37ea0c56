"""Recognise a batch loop that a later run can resume or repeat, for OPS102.

``for row in Reminder.objects.filter(sent_at__isnull=True): ...; row.sent_at = now();
row.save()`` sweeps the rows a query selects by their own state and saves each row with
that state changed. A failure midway leaves every row either done or still selected, so
the next run finishes the job. A transaction around the loop would only undo the rows
already done, and not the mails sent for them.

A query that also selects by a value the function is given (``filter(month=month,
closed=False)``) gathers the rows of one owner, a month or an order, whose change is one
change: that loop is not a sweep.

A loop of independent rows writes, in each pass, one row that the pass's own item names,
with values computed from that item alone: ``order.total = order.line_sum; order.save()``,
``Product.objects.update_or_create(sku=row["sku"], defaults={...})`` or
``Order.objects.filter(pk=order.pk).update(total=order.line_sum)``. No pass reads what
another wrote, and running a pass twice writes the same values, so a run that fails midway
leaves every row either correct or as it was, and the next run repeats the job. A value
that reads the field it replaces (``row.price = row.price * 2``), a value of the
function's parameters or of names bound outside the loop (a new rent for every lease of a
building, a position from ``enumerate()``), and a constant (``closed = True`` for the
invoices of a month) make the rows one change, and the loop is not independent.
"""

from __future__ import annotations

import ast

from opsgen.lint.knowledge import sync_method
from opsgen.lint.summary import CallSite, FunctionSummary, function_node

#: Queryset methods whose keyword arguments select rows by a field lookup.
_SELECTING_CALLS = frozenset({"filter", "exclude", "Q"})
#: Manager methods that write the one row their lookup keywords select, creating it when missing.
_UPSERTS = frozenset({"update_or_create", "get_or_create"})
#: Keywords of an upsert that hold the values written rather than the lookup.
_UPSERT_VALUES = frozenset({"defaults", "create_defaults"})

Function = ast.FunctionDef | ast.AsyncFunctionDef
Loop = ast.For | ast.AsyncFor


def resumable_batch(tree: ast.Module, function: FunctionSummary, sites: list[tuple[CallSite, int]]) -> bool:
    """Return True when every write is a sweep's save of its own row.

    Each write must be the only ``save()`` of its loop pass and save the loop's own row.
    The loop's query must select its rows by a field the pass changes, and by no value
    derived from the function's parameters. Loops nested in one another do not count, and
    neither does a ``save(update_fields=...)`` that leaves the selecting field out.
    """
    node = function_node(tree, function)
    if node is None or not sites or not one_write_per_pass(sites):
        return False
    for call, loop in _innermost_loops(node, sites):
        if call.write != "save" or loop is None or not isinstance(loop.target, ast.Name):
            return False
        save = _save_of(loop, loop.target.id, call)
        if save is None:
            return False
        changed = _fields_set(loop, loop.target.id)
        saved = _saved_fields(save)
        if saved is not None:
            changed &= saved
        selected, owned = _selection(node, loop)
        if owned or not changed & selected:
            return False
    return True


def independent_rows(tree: ast.Module, function: FunctionSummary, sites: list[tuple[CallSite, int]]) -> bool:
    """Return True when every write is the only one of its loop pass and writes the row the
    pass's own item names, with values computed from that item alone.

    The loop must bind its item to one name. The write is a ``save()`` of the item, an
    ``update_or_create()`` or ``get_or_create()`` whose lookup reads the item, or an
    ``update()`` whose ``filter()`` reads it. Every value written must read the item. No
    value may read a field the pass writes, a parameter of the function or a name bound
    outside the loop. An upsert's values may also be constants.
    """
    node = function_node(tree, function)
    if node is None or not sites or not one_write_per_pass(sites):
        return False
    for call, loop in _innermost_loops(node, sites):
        if loop is None or not isinstance(loop.target, ast.Name):
            return False
        write = _call_at(loop, call)
        if write is None or not _writes_own_row(loop, loop.target.id, write, _outer_names(node, loop)):
            return False
    return True


def one_write_per_pass(sites: list[tuple[CallSite, int]]) -> bool:
    """Return True when every write sits in a loop and no two share a loop pass."""
    paths = [call.loops for call, _ in sites]
    if not all(paths):
        return False
    for index, path in enumerate(paths):
        for other in paths[index + 1 :]:
            if path == other or other.startswith(path + "/") or path.startswith(other + "/"):
                return False
    return True


def _innermost_loops(function: Function, sites: list[tuple[CallSite, int]]) -> list[tuple[CallSite, Loop | None]]:
    """Return each write with the innermost loop around it, or None when it is not found."""
    loops = {loop.lineno: loop for loop in ast.walk(function) if isinstance(loop, (ast.For, ast.AsyncFor))}
    return [(call, loops.get(int(call.loops.rsplit("/", 1)[-1]))) for call, _ in sites]


def _call_at(loop: Loop, call: CallSite) -> ast.Call | None:
    for node in ast.walk(loop):
        if isinstance(node, ast.Call) and node.lineno == call.line and node.col_offset == call.column:
            return node
    return None


def _writes_own_row(loop: Loop, item: str, write: ast.Call, outer: set[str]) -> bool:
    """Return True when ``write`` writes the row that ``item`` names with values of that item alone."""
    method = sync_method(write.func.attr) if isinstance(write.func, ast.Attribute) else ""
    derived = _derived_names(loop, item, outer)
    if method == "save":
        if not (isinstance(write.func, ast.Attribute) and isinstance(write.func.value, ast.Name) and write.func.value.id == item):
            return False
        values = _assigned_values(loop, item)
        saved = _saved_fields(write)
        if saved is not None:
            values = {field: value for field, value in values.items() if field in saved}
        return bool(values) and all(_from_item(value, item, derived, set(values), outer) for value in values.values())
    if method in _UPSERTS:
        lookups = [k.value for k in write.keywords if k.arg and k.arg not in _UPSERT_VALUES]
        written = [value for k in write.keywords if k.arg in _UPSERT_VALUES and isinstance(k.value, ast.Dict) for value in k.value.values]
        if not lookups or any(k.arg in _UPSERT_VALUES and not isinstance(k.value, ast.Dict) for k in write.keywords):
            return False
        return all(_from_item(value, item, derived, set(), outer) for value in lookups) and all(
            isinstance(value, ast.Constant) or _from_item(value, item, derived, set(), outer) for value in written
        )
    if method == "update":
        selected = [k.value for node in ast.walk(write.func) if isinstance(node, ast.Call) for k in node.keywords if node is not write]
        written = [k.value for k in write.keywords if k.arg]
        fields = {_field(k.arg) for k in write.keywords if k.arg}
        return bool(selected) and bool(written) and all(_from_item(value, item, derived, set(), outer) for value in selected) and all(
            _from_item(value, item, derived, fields, outer) for value in written
        )
    return False


def _assigned_values(loop: Loop, item: str) -> dict[str, ast.expr]:
    """Return the value each field of ``item`` gets in the loop body, by field. An augmented
    assignment (``item.n += 1``) is taken as the value ``item.n``, which reads the field it writes."""
    values: dict[str, ast.expr] = {}
    for statement in loop.body:
        for node in _walk_body(statement):
            targets: list[ast.expr] = []
            value: ast.expr
            if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Attribute):
                targets, value = [node.target], ast.Attribute(value=ast.Name(id=item, ctx=ast.Load()), attr=node.target.attr, ctx=ast.Load())
            elif isinstance(node, ast.Assign):
                targets, value = list(node.targets), node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                targets, value = [node.target], node.value
            for target in targets:
                if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == item:
                    values[_field(target.attr)] = value
    return values


def _derived_names(loop: Loop, item: str, outer: set[str]) -> set[str]:
    """Return the names the loop body binds from the item alone: ``lines = order.lines.all()``."""
    derived = {item}
    grown = True
    while grown:
        grown = False
        for statement in loop.body:
            for node in _walk_body(statement):
                if not isinstance(node, ast.Assign) or not _from_item(node.value, item, derived, set(), outer):
                    continue
                for target in node.targets:
                    if isinstance(target, ast.Name) and target.id not in derived and target.id not in outer:
                        derived.add(target.id)
                        grown = True
    return derived


def _from_item(value: ast.expr, item: str, derived: set[str], written: set[str], outer: set[str]) -> bool:
    """Return True when ``value`` reads the item or a name derived from it, reads no field
    in ``written`` of the item, and reads no name in ``outer``, which the function binds
    outside the loop.

    A function called by name (``compute_total`` in ``compute_total(order)``), a name that
    a comprehension binds, and a name the function does not bind (an import, a constant of
    the module, a builtin) may appear. The receiver of a method counts as read
    (``order`` in ``order.lines.all()``).
    """
    callees = {id(node.func) for node in ast.walk(value) if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}
    bound_here = {
        name.id for node in ast.walk(value) if isinstance(node, ast.comprehension) for name in ast.walk(node.target) if isinstance(name, ast.Name)
    }
    reads_item = False
    for node in ast.walk(value):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == item and _field(node.attr) in written:
            return False  # row.price = row.price * 2: a second run changes it again
        if _column_reference(node) in written:
            return False  # update(balance=F("balance") + n) adds again on a second run
        if not isinstance(node, ast.Name) or id(node) in callees or node.id in bound_here:
            continue
        if node.id in derived:
            reads_item = True
        elif node.id in outer:
            return False
    return reads_item


def _column_reference(node: ast.AST) -> str | None:
    """Return the field that ``F("field")`` names, or None for any other node."""
    if not (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
        return None
    func = node.func
    named_f = (isinstance(func, ast.Name) and func.id == "F") or (isinstance(func, ast.Attribute) and func.attr == "F")
    return _field(node.args[0].value) if named_f else None


def _outer_names(function: Function, loop: Loop) -> set[str]:
    """Return the names the function binds outside the loop body: its parameters, and the
    names assigned or bound as loop targets before, around or after the loop."""
    arguments = function.args
    names = {a.arg for a in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]}
    names |= {a.arg for a in (arguments.vararg, arguments.kwarg) if a is not None}
    inside = {id(node) for statement in loop.body for node in ast.walk(statement)}
    for node in ast.walk(function):
        if id(node) in inside or node is loop.target:
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    return names


def _walk_body(statement: ast.stmt) -> list[ast.AST]:
    """Return the nodes of a statement of the loop body, without nested definitions' bodies."""
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return []
    found: list[ast.AST] = [statement]
    for child in ast.iter_child_nodes(statement):
        if isinstance(child, ast.stmt):
            found.extend(_walk_body(child))
        else:
            found.extend(ast.walk(child))
    return found


def _save_of(loop: Loop, row: str, call: CallSite) -> ast.Call | None:
    """Return the ``row.save(...)`` call at the call site's position, else None."""
    for node in ast.walk(loop):
        if isinstance(node, ast.Call) and node.lineno == call.line and node.col_offset == call.column:
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr == "save" and isinstance(func.value, ast.Name) and func.value.id == row:
                return node
    return None


def _field(name: str) -> str:
    """Return the model field a lookup or attribute names: ``owner_id`` and ``owner__email`` are ``owner``."""
    name = name.split("__", 1)[0]
    return name[:-3] if name.endswith("_id") else name


def _fields_set(loop: Loop, row: str) -> set[str]:
    """Return the fields of ``row`` that the loop body assigns."""
    fields: set[str] = set()
    for statement in loop.body:
        for node in ast.walk(statement):
            targets: list[ast.expr] = []
            value: ast.expr
            if isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, ast.AnnAssign):
                targets = [node.target]
            for target in targets:
                if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == row:
                    fields.add(_field(target.attr))
    return fields


def _saved_fields(save: ast.Call) -> set[str] | None:
    """Return the fields of a literal ``update_fields``, or None for a ``save()`` of every field."""
    for keyword in save.keywords:
        if keyword.arg == "update_fields":
            if isinstance(keyword.value, (ast.List, ast.Tuple, ast.Set)):
                return {_field(item.value) for item in keyword.value.elts if isinstance(item, ast.Constant) and isinstance(item.value, str)}
            return set()  # a computed list: which fields it names is unknown
    return None


def _selection(function: Function, loop: Loop) -> tuple[set[str], bool]:
    """Return the fields the loop's query selects its rows by, and whether a lookup compares
    with a value derived from the function's parameters.

    For a loop over a local name, every assignment of that name before the loop counts.
    So ``due = due.exclude(sent_at__isnull=False)`` adds to ``due = Reminder.objects.all()``.
    """
    expressions: list[ast.expr] = [loop.iter]
    if isinstance(loop.iter, ast.Name):
        name = loop.iter.id
        for node in ast.walk(function):
            if isinstance(node, ast.Assign) and node.lineno < loop.lineno:
                if any(isinstance(target, ast.Name) and target.id == name for target in node.targets):
                    expressions.append(node.value)
    from_parameters = _parameter_derived_names(function, loop.lineno)
    fields: set[str] = set()
    owned = False
    for expression in expressions:
        for node in ast.walk(expression):
            if not isinstance(node, ast.Call):
                continue
            if _called_name(node) not in _SELECTING_CALLS:
                continue
            for keyword in node.keywords:
                if keyword.arg:
                    fields.add(_field(keyword.arg))
                    owned = owned or _mentions(keyword.value, from_parameters)
    return fields, owned


def _called_name(call: ast.Call) -> str:
    """Return the name a call calls: ``filter`` for ``rows.filter(...)``, ``Q`` for ``Q(...)``."""
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    if isinstance(call.func, ast.Name):
        return call.func.id
    return ""


def _mentions(expression: ast.expr, names: set[str]) -> bool:
    return any(isinstance(node, ast.Name) and node.id in names for node in ast.walk(expression))


def _parameter_derived_names(function: Function, before: int) -> set[str]:
    """Return the parameters and the local names assigned from them before line ``before``."""
    arguments = function.args
    names = {a.arg for a in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]}
    names |= {a.arg for a in (arguments.vararg, arguments.kwarg) if a is not None}
    assignments = [node for node in ast.walk(function) if isinstance(node, ast.Assign) and node.lineno < before]
    grown = True
    while grown:
        grown = False
        for node in assignments:
            if not _mentions(node.value, names):
                continue
            for target in node.targets:
                for name in ast.walk(target):
                    if isinstance(name, ast.Name) and name.id not in names:
                        names.add(name.id)
                        grown = True
    return names
