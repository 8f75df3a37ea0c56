"""Rows that a project function loads and returns, for the missing-lock rules (OPS2xx).

``def _locked_account(pk): return Account.objects.select_for_update().get(pk=pk)`` hands
its caller a row. A caller that binds the result (``account = _locked_account(pk)``) and
writes the row back has loaded it as surely as if it had run the query itself, and the
row is locked only when the helper's query took the lock.

The helper is found through the call summaries (the call's qualified target, so methods
of a repository object bound earlier resolve too), and its ``return`` statements are read from
its syntax tree. A returned value is a row load (:func:`classify_load`), a name bound to
one earlier in the helper, or the call of another such helper (a call cycle ends the
chain). The helper returns a row when every value it returns, ``None`` aside, is one of
these. The row is locked when every load it returns takes a row lock.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from weakref import WeakKeyDictionary

from opsgen.lint.analysis import Analysis
from opsgen.lint.knowledge import sync_method
from opsgen.lint.orm import LOAD_TERMINALS, Load, Qualify, callee_name, classify_load, query_binding, through_session
from opsgen.lint.rule import ModuleContext
from opsgen.lint.summary import CallSite, FunctionSummary, function_nodes

#: ``with`` blocks that begin a transaction, by the last name of the call.
TRANSACTION_BLOCKS = frozenset({"atomic", "begin"})

Function = ast.FunctionDef | ast.AsyncFunctionDef


@dataclass(frozen=True)
class ReturnedRow:
    """The row a helper returns: the load, the returned expression, where it was read.

    ``value`` sits in the syntax tree of the helper's module, for messages that name the
    model. ``in_own_transaction`` is True when the helper returns the row from inside a
    transaction block it opens itself, whose end releases the lock unless the caller
    already holds a transaction. ``paths`` are the files read to find it.
    """

    load: Load
    value: ast.expr
    helper: str
    in_own_transaction: bool
    paths: tuple[str, ...]


@dataclass
class _ProjectHelpers:
    """The row helpers found in one analysis, and so in one project index."""

    #: The names of the project's functions and methods. A call whose last name is not
    #: among them runs no project helper, so it is not resolved.
    names: frozenset[str]
    #: a call's qualified target -> the project function or method it runs, or None
    targets: dict[str, str | None] = field(default_factory=dict)
    #: helper qualified name -> the row it returns, None when it returns none
    rows: dict[str, ReturnedRow | None] = field(default_factory=dict)
    #: function qualified name -> whether its summary leaves room for a returned row
    may_return: dict[str, bool] = field(default_factory=dict)


_projects: WeakKeyDictionary[Analysis, _ProjectHelpers] = WeakKeyDictionary()


def _project(analysis: Analysis) -> _ProjectHelpers:
    found = _projects.get(analysis)
    if found is None:
        names = frozenset(function.name for _, function in analysis.index.functions.values())
        found = _projects[analysis] = _ProjectHelpers(names)
    return found


def project_function_names(analysis: Analysis) -> frozenset[str]:
    """Return the names of the project's functions and methods."""
    return _project(analysis).names


def returned_row(module: ModuleContext, value: ast.expr) -> ReturnedRow | None:
    """Return the row that ``value``, a call of a project function in ``module``, returns.

    Returns None when the call is no call of a project function, or when that function
    does not return a row load. The files read are added to ``module.read_paths``.
    """
    if isinstance(value, ast.Await):
        value = value.value
    if not isinstance(value, ast.Call) or not isinstance(value.func, (ast.Name, ast.Attribute)):
        return None
    function = module.function_at(value.lineno)
    if function is None:
        return None
    call = _call_at(function, value)
    if call is None:
        return None
    row = call_returned_row(module.analysis, function, call)
    if row is not None:
        module.read_paths.update(row.paths)
    return row


def called_project_function(module: ModuleContext, value: ast.Call) -> str | None:
    """Return the qualified name of the project function or method that ``value``, a call
    in ``module`` whose result is used, runs; None for any other call."""
    function = module.function_at(value.lineno)
    if function is None:
        return None
    site = _call_at(function, value)
    if site is None or not site.result_used:
        return None
    helper = project_call_target(module.analysis, site)
    return helper if helper != function.qualname else None


def project_call_target(analysis: Analysis, call: CallSite) -> str | None:
    """Return the qualified name of the project function or method that ``call`` runs, by
    its qualified target, or None. The answer is kept per target for the analysis."""
    project = _project(analysis)
    if not call.target or call.text.rpartition(".")[2] not in project.names:
        return None
    if call.target not in project.targets:
        project.targets[call.target] = _called_function(analysis, call.target)
    return project.targets[call.target]


def call_returned_row(analysis: Analysis, function: FunctionSummary, call: CallSite) -> ReturnedRow | None:
    """Return the row that ``call`` in ``function`` gets from the project function it runs.

    Callers in a module-scope rule must add the row's ``paths`` to their read paths.
    """
    return _call_row(analysis, _project(analysis), function, call)


def _call_row(analysis: Analysis, project: _ProjectHelpers, function: FunctionSummary, call: CallSite) -> ReturnedRow | None:
    target = call.target
    if not call.result_used or not target or call.text.rpartition(".")[2] not in project.names:
        return None
    if target in project.targets:
        helper = project.targets[target]
    else:
        helper = project.targets[target] = _called_function(analysis, target)
    if helper is None or helper == function.qualname:
        return None
    return _helper_row(analysis, helper)


def _called_function(analysis: Analysis, target: str) -> str | None:
    """Return the project function or method that a call's qualified target runs, or None.

    This is the direct part of :meth:`Analysis.links`: a function by its name, or a method
    of the instance's class or its bases (``Repository().get``), without the guesses and
    the framework hooks that are no helper returning a value.
    """
    resolved = analysis.resolve_target(target)
    if resolved in analysis.index.functions:
        return resolved
    owner, _, name = resolved.rpartition(".")
    owner_class = analysis.canonical(owner[:-2] if owner.endswith("()") else owner)
    if owner_class in analysis.index.classes:
        return analysis.method(owner_class, name)
    return None


def _helper_row(analysis: Analysis, qualname: str) -> ReturnedRow | None:
    cache = _project(analysis).rows
    if qualname in cache:
        return cache[qualname]
    cache[qualname] = None  # a call cycle ends here
    row = _read_helper(analysis, qualname)
    cache[qualname] = row
    return row


def _read_helper(analysis: Analysis, qualname: str) -> ReturnedRow | None:
    entry = analysis.index.functions.get(qualname)
    if entry is None:
        return None
    summary, function = entry

    if not _may_return_row(analysis, _project(analysis), function, set()):
        return None
    tree = analysis.index.tree(summary.path)
    if tree is None:
        return None
    node = next((n for n in function_nodes(tree, {function.line}) if n.name == function.name), None)
    if node is None:
        return None

    context = ModuleContext(analysis.index, summary)
    rows: list[ReturnedRow] = []
    for value, queries, bound, in_transaction in _returns(node, context.qualify):
        if isinstance(value, ast.Constant) and value.value is None:
            continue
        row = _returned_value(analysis, context, function, value, queries, bound)
        if row is None:
            return None
        rows.append(ReturnedRow(row.load, row.value, qualname, in_transaction or row.in_own_transaction, row.paths))
    if not rows:
        return None

    locked = all(row.load.locked for row in rows)
    first = next((row for row in rows if not row.load.locked), rows[0])
    paths = tuple(sorted({summary.path, *(path for row in rows for path in row.paths)}))
    return ReturnedRow(
        Load(first.load.orm, locked),
        first.value,
        qualname,
        locked and any(row.in_own_transaction for row in rows),
        paths,
    )


def _returned_value(
    analysis: Analysis,
    context: ModuleContext,
    function: FunctionSummary,
    value: ast.expr,
    queries: dict[str, bool],
    bound: dict[str, tuple[Load, ast.expr]],
) -> ReturnedRow | None:
    """Return the row one ``return`` statement gives, or None when it gives something else."""
    if isinstance(value, ast.Name) and value.id in bound:
        bound_load, expression = bound[value.id]
        return ReturnedRow(bound_load, expression, function.qualname, False, ())
    load = classify_load(value, context.qualify, queries)
    if load is not None:
        return ReturnedRow(load, value, function.qualname, False, ())
    call = value.value if isinstance(value, ast.Await) else value
    if not isinstance(call, ast.Call):
        return None
    site = _call_at(function, call)
    return call_returned_row(analysis, function, site) if site is not None else None


Returned = tuple[ast.expr, dict[str, bool], dict[str, tuple[Load, ast.expr]], bool]


def _returns(node: Function, qualify: Qualify) -> Iterator[Returned]:
    """Yield each returned value of ``node`` with the queries and row loads bound to local
    names before it, and whether it sits in a transaction block the function opens."""
    yield from _walk_returns(node.body, qualify, {}, {}, False)


def _walk_returns(
    body: list[ast.stmt], qualify: Qualify, queries: dict[str, bool], bound: dict[str, tuple[Load, ast.expr]], in_transaction: bool
) -> Iterator[Returned]:
    for statement in body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        if isinstance(statement, ast.Return):
            if statement.value is not None:
                yield statement.value, dict(queries), dict(bound), in_transaction
            continue
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name):
            _bind(statement.targets[0].id, statement.value, qualify, queries, bound)
            continue
        opens = in_transaction
        if isinstance(statement, (ast.With, ast.AsyncWith)):
            opens = in_transaction or any(callee_name(_called(item.context_expr)) in TRANSACTION_BLOCKS for item in statement.items)
        for field in ("body", "orelse", "finalbody"):
            inner = getattr(statement, field, None)
            if isinstance(inner, list) and inner and isinstance(inner[0], ast.stmt):
                yield from _walk_returns(inner, qualify, queries, bound, opens)
        for handler in getattr(statement, "handlers", None) or []:
            yield from _walk_returns(handler.body, qualify, queries, bound, opens)
        for case in getattr(statement, "cases", None) or []:
            yield from _walk_returns(case.body, qualify, queries, bound, opens)


def _may_return_row(analysis: Analysis, project: _ProjectHelpers, function: FunctionSummary, seen: set[str]) -> bool:
    """Return True when the summary of ``function`` leaves room for a returned row: a call
    that may load one, or a call of a project function that may return one.

    It reads summaries alone, so the syntax trees of most functions are never walked.
    """
    cached = project.may_return.get(function.qualname)
    if cached is not None:
        return cached
    seen.add(function.qualname)
    found = False
    for call in function.calls:
        if not call.result_used:
            continue
        last = call.text.rpartition(".")[2]
        if _may_load(call, last):
            found = True
            break
        if call.target and last in project.names:
            target = call.target
            if target not in project.targets:
                project.targets[target] = _called_function(analysis, target)
            helper = project.targets[target]
            entry = analysis.index.functions.get(helper) if helper is not None and helper not in seen else None
            if entry is not None and _may_return_row(analysis, project, entry[1], seen):
                found = True
                break
    project.may_return[function.qualname] = found
    return found


def _may_load(call: CallSite, last: str) -> bool:
    """Return True for a call that may load one row: a load terminal through a manager, a
    query or a session, or with lookups (``rows.get(pk=pk)``), but not ``mapping.get(key)``."""
    method = sync_method(last)
    if method not in LOAD_TERMINALS:
        return (call.target or call.text).endswith("get_object_or_404")
    return method != "get" or bool(call.keywords) or ".objects." in f".{call.text}" or through_session(call.text)


def _bind(name: str, value: ast.expr, qualify: Qualify, queries: dict[str, bool], bound: dict[str, tuple[Load, ast.expr]]) -> None:
    """Record what ``name = value`` binds: a row load, a query, or neither."""
    load = classify_load(value, qualify, queries)
    if load is not None:
        bound[name] = (load, value)
    else:
        bound.pop(name, None)
    query = query_binding(value, queries) if load is None else None
    if query is None:
        queries.pop(name, None)
    else:
        queries[name] = query


def _called(expr: ast.expr) -> ast.expr:
    return expr.func if isinstance(expr, ast.Call) else expr


def _call_at(function: FunctionSummary, call: ast.Call) -> CallSite | None:
    """Return the summary's record of ``call``, matched by its position."""
    for site in function.calls:
        if site.line == call.lineno and site.column == call.col_offset:
            return site
    return None


def helper_load(module: ModuleContext, value: ast.expr) -> ReturnedRow | None:
    """Return the row that ``value``, a call of a project helper, loads, or None.

    A row that the helper locks inside a transaction block of its own stays locked for
    the caller only when the caller holds a transaction there too.
    """
    row = returned_row(module, value)
    if row is None:
        return None
    if row.load.locked and row.in_own_transaction:
        transaction = module.transaction_at(value.lineno)
        if transaction is None or transaction.possible:
            # The block's end released the lock before the helper returned.
            return replace(row, load=Load(row.load.orm, False))
    return row


def calls_row_helper(analysis: Analysis, function: FunctionSummary) -> bool:
    """Return True when ``function`` uses the row that a project helper returns, as
    :func:`helper_load` would find it.

    Each call is resolved through the call summaries, so the rules ask only about
    functions that also save a row or use a session.
    """
    project = _project(analysis)
    return any(_call_row(analysis, project, function, call) is not None for call in function.calls)
