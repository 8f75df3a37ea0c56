"""Recognise a batch loop that a later run can resume, for OPS102.

``for row in Reminder.objects.filter(sent_at__isnull=True): ...; row.sent_at = now();
row.save()`` sweeps the rows a query selects by their own state and saves each row with
that state changed. A failure midway leaves every row either done or still selected, so
the next run finishes the job. A transaction around the loop would only undo the rows
already done, and not the mails sent for them.

A query that also selects by a value the function is given (``filter(month=month,
closed=False)``) gathers the rows of one owner, a month or an order, whose change is one
change: that loop is not a sweep.
"""

from __future__ import annotations

import ast

from opsgen.lint.summary import CallSite, FunctionSummary

#: Queryset methods whose keyword arguments select rows by a field lookup.
_SELECTING_CALLS = frozenset({"filter", "exclude", "Q"})

Function = ast.FunctionDef | ast.AsyncFunctionDef
Loop = ast.For | ast.AsyncFor


def resumable_batch(tree: ast.Module, function: FunctionSummary, sites: list[tuple[CallSite, int]]) -> bool:
    """Return True when every write is a sweep's save of its own row.

    Each write must be the only ``save()`` of its loop pass and save the loop's own row.
    The loop's query must select its rows by a field the pass changes, and by no value
    derived from the function's parameters. Loops nested in one another do not count, and
    neither does a ``save(update_fields=...)`` that leaves the selecting field out.
    """
    node = _function_node(tree, function)
    if node is None or not sites:
        return False
    loops = {loop.lineno: loop for loop in ast.walk(node) if isinstance(loop, (ast.For, ast.AsyncFor))}
    paths = [call.loops for call, _ in sites]
    for index, path in enumerate(paths):
        if not path:
            return False
        for other in paths[index + 1 :]:
            if path == other or other.startswith(path + "/") or path.startswith(other + "/"):
                return False
    for call, _ in sites:
        loop = loops.get(int(call.loops.rsplit("/", 1)[-1]))
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


def _function_node(tree: ast.Module, function: FunctionSummary) -> Function | None:
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.lineno == function.line and node.name == function.name:
            return node
    return None


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
