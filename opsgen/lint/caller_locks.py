"""Row locks taken by every caller of a model method, for OPS201 and OPS202.

A model method that checks or changes ``self.<field>`` and saves it loses updates unless
the row it runs on is locked, and that lock is usually its caller's::

    with transaction.atomic():
        wallet = Wallet.objects.select_for_update().get(owner=user)
        wallet.withdraw(amount)

Such a method is safe when the project calls it at least once and every call runs on a
receiver that the calling function bound to a locking query (``select_for_update()``,
``with_for_update()``), in a transaction, before the lock is released (see
:mod:`opsgen.lint.lock_scope`). A call on any other receiver, such as a plain ``get()``,
``request.user.wallet``, ``self`` or a parameter, counts as unlocked.

The calls are found through the project's call links in every module. The finding then
depends on the bodies of other modules, so the check adds ``CALLS_NAMED`` and the method
name to ``ModuleContext.read_paths``. The findings kept in the cache are then reused only
while the set of files whose calls end in that name, and the content of each, stay the same.

The links name the model of a row from a Django manager or a SQLAlchemy session load
(``session.get(Wallet, pk, with_for_update=True)``, ``session.query(Wallet)...one()``,
``session.execute(select(Wallet)...).scalar_one()``; see :mod:`opsgen.lint.query_chains`).

NOTE: a row that a project helper loads and returns (``wallet = lock_wallet(pk)``) counts
as unlocked here, even when the helper's query locks it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence

from opsgen.lint.analysis import LIBRARY_METHOD_NAMES, Analysis
from opsgen.lint.index import CALLS_NAMED
from opsgen.lint.lock_scope import lock_end_line
from opsgen.lint.orm import callee_name
from opsgen.lint.rule import Finding, ModuleContext, walk_scope
from opsgen.lint.summary import CallSite, FunctionSummary, function_nodes

Function = ast.FunctionDef | ast.AsyncFunctionDef

#: The ORM of each row-locking query method, as :func:`lock_end_line` names it.
LOCK_ORMS = {"select_for_update": "django", "with_for_update": "sqlalchemy"}


def drop_findings_locked_by_callers(module: ModuleContext, function: Function, findings: Sequence[Finding]) -> list[Finding]:
    """Return ``findings`` without those on ``self.<field>`` of a method whose every project
    caller locks the row it calls the method on."""
    own_row = [finding for finding in findings if _names_own_field(function, finding.line)]
    if not own_row or not every_call_locks_receiver(module, function):
        return list(findings)
    dropped = {id(finding) for finding in own_row}
    return [finding for finding in findings if id(finding) not in dropped]


def every_call_locks_receiver(module: ModuleContext, function: Function) -> bool:
    """Return True when the method ``function`` of ``module`` has a caller in the project
    and each call runs on a receiver bound to a row-locking query whose lock still holds."""
    method = next((f for f in module.summary.functions.values() if f.line == function.lineno and f.name == function.name), None)
    if method is None or method.class_name is None:
        return False
    module.read_paths.add(CALLS_NAMED + method.name)
    index = module.index
    analysis = module.analysis
    called = False
    for path in index.paths_calling(method.name):
        for caller in index.modules[path].functions.values():
            found = list(_calls_of(analysis, caller, method))
            calls = [call for call in found if call is not None]
            if len(calls) < len(found):
                return False  # a call that may run the method on a row of unknown origin
            if not calls:
                continue
            tree = index.tree(path)
            node = next(function_nodes(tree, {caller.line}), None) if tree is not None and caller.name != "<module>" else None
            if node is None:
                return False
            if not all(_receiver_locked(analysis, caller, node, call) for call in calls):
                return False
            called = True
    return called


def _calls_of(analysis: Analysis, caller: FunctionSummary, method: FunctionSummary) -> Iterator[CallSite | None]:
    """Yield the calls in ``caller`` that the call links join to ``method``.

    Yield None for a call of the method's name that links to nothing because the links
    cannot name the receiver's type, as in ``session.get(Account, pk).spend()``. When no
    library method and no other project method has that name, such a call may run the
    method on an unlocked row.
    """
    unique = method.name not in LIBRARY_METHOD_NAMES and analysis.methods_by_name.get(method.name) == [method.qualname]
    for call in caller.calls:
        if "." not in call.text or call.text.rpartition(".")[2] != method.name:
            continue
        links = analysis.links(caller, call)
        if any(link.qualname == method.qualname for link in links):
            yield call
        elif not links and unique:
            yield None


def _receiver_locked(analysis: Analysis, caller: FunctionSummary, node: Function, call: CallSite) -> bool:
    """Return True when the receiver of ``call`` is a local bound to a row-locking query
    whose lock, in an open transaction, is held at the call."""
    receiver = call.text.rpartition(".")[0]
    if not receiver.isidentifier() or receiver in ("self", "cls"):
        return False
    binding = _last_binding(node, receiver, call.line)
    if binding is None or binding.value is None:
        return False
    orm = _lock_orm(binding.value)
    if orm is None:
        return False
    end = lock_end_line(node, binding, orm)
    if end is not None and call.line > end:
        return False  # the atomic() block, or the session transaction, ended before the call
    # A SQLAlchemy query begins the session's transaction itself. A Django one outside
    # atomic() runs in autocommit, where the lock ends with the query.
    return orm == "sqlalchemy" or analysis.transaction_at(caller, call) is not None


def _last_binding(node: Function, name: str, line: int) -> ast.Assign | ast.AnnAssign | None:
    """Return the last assignment to the local ``name`` above ``line`` in ``node``'s own body."""
    found: ast.Assign | ast.AnnAssign | None = None
    for inner in walk_scope(node):
        if not isinstance(inner, (ast.Assign, ast.AnnAssign)) or inner.lineno >= line:
            continue
        targets = inner.targets if isinstance(inner, ast.Assign) else [inner.target]
        if any(isinstance(target, ast.Name) and target.id == name for target in targets):
            if found is None or inner.lineno > found.lineno:
                found = inner
    return found


def _lock_orm(value: ast.expr) -> str | None:
    """Return the ORM of the row-locking query in ``value``, or None when it takes no lock.

    ``session.get(Wallet, pk, with_for_update=True)`` counts as a SQLAlchemy lock.
    """
    for inner in ast.walk(value):
        if not isinstance(inner, ast.Call):
            continue
        orm = LOCK_ORMS.get(callee_name(inner.func))
        if orm is not None:
            return orm
        for keyword in inner.keywords:
            unset = isinstance(keyword.value, ast.Constant) and not keyword.value.value
            if keyword.arg == "with_for_update" and not unset:
                return "sqlalchemy"
    return None


def _names_own_field(function: Function, line: int) -> bool:
    """Return True when the statement at ``line`` assigns to ``self.<field>`` or tests it."""
    for inner in walk_scope(function):
        if getattr(inner, "lineno", None) != line:
            continue
        if isinstance(inner, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = inner.targets if isinstance(inner, ast.Assign) else [inner.target]
            if any(_is_self_field(target) for target in targets):
                return True
        elif isinstance(inner, (ast.If, ast.While, ast.Assert)):
            if any(_is_self_field(part) for part in ast.walk(inner.test)):
                return True
    return False


def _is_self_field(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self"
