"""The helper methods that run inside an opsgen operation's transaction.

The runtime begins the transaction of an operation whose spec says ``transaction: true``
before it calls ``run()``, and calls no other method of the implementation class.
A method of the class (or of a mixin or base class it inherits) that ``run()`` calls
through ``self``, directly or through other such methods, therefore runs inside the
same transaction, but only when that is its only way in. A helper that anything else
also calls (another public method, a view, ``__init__``, a nested function that
``run()`` passes to ``ctx.after_commit``) may run with no transaction open. It stays
ordinary code, and the call in ``run()`` is reported as leading to its effects.

A helper shared by the ``run()`` of two operations is left out as well, since its
effects would have to name one of the two transactions.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from opsgen.lint.summary import FunctionSummary

if TYPE_CHECKING:
    from opsgen.lint.analysis import Analysis


@dataclass(frozen=True)
class Helper:
    """A method that runs only inside one operation's transaction, reached from its ``run()``."""

    run: str  # qualified name of the operation's run()
    #: The callers of the helper, each with the line of its call: run() or other helpers.
    calls: tuple[tuple[str, int], ...]


def find_operation_helpers(analysis: Analysis) -> dict[str, Helper]:
    """Return the helper methods of transactional operations, by qualified name."""
    runs = _transactional_runs(analysis)
    if not runs:
        return {}

    owners: dict[str, str] = {}  # helper -> the run() that reaches it; "" when two runs do
    for run in runs.values():
        for helper in _reached_through_self(analysis, run):
            owners[helper] = run.qualname if owners.get(helper, run.qualname) == run.qualname else ""

    callers = _callers_of(analysis, owners)
    changed = True
    while changed:
        changed = False
        for helper, owner in list(owners.items()):
            trusted = {name for name, other in owners.items() if other == owner} | {owner}
            helper_callers = callers.get(helper, [])
            if owner and helper_callers and all(caller in trusted for caller, _ in helper_callers):
                continue
            del owners[helper]
            changed = True
    return {helper: Helper(owner, tuple(callers[helper])) for helper, owner in owners.items()}


def _transactional_runs(analysis: Analysis) -> dict[str, FunctionSummary]:
    """Return the ``run()`` methods of operations whose spec says ``transaction: true``."""
    runs: dict[str, FunctionSummary] = {}
    if not analysis.operations:
        return runs
    for qualname, (_, function) in analysis.index.functions.items():
        if function.name != "run" or function.nested or not function.class_name:
            continue
        operation = analysis.operation_of(function)
        if operation is not None and operation.transaction:
            runs[qualname] = function
    return runs


def _reached_through_self(analysis: Analysis, run: FunctionSummary) -> set[str]:
    """Return the methods of the operation's class and its ancestors that ``run`` reaches
    through ``self.method(...)`` calls, at any depth."""
    assert run.class_name is not None
    ancestors = set(analysis.mro(run.class_name))
    reached: set[str] = set()
    pending = [run]
    while pending:
        function = pending.pop()
        for call in function.calls:
            receiver, _, method = call.text.partition(".")
            if receiver != "self" or not method or "." in method:
                continue
            for link in analysis.links(function, call):
                entry = analysis.index.functions.get(link.qualname)
                if link.entry is not None or link.qualname in reached or link.qualname == run.qualname or entry is None:
                    continue
                method_summary = entry[1]
                if method_summary.nested or method_summary.class_name not in ancestors:
                    continue
                reached.add(link.qualname)
                pending.append(method_summary)
    return reached


def _callers_of(analysis: Analysis, helpers: dict[str, str]) -> dict[str, list[tuple[str, int]]]:
    """Return every project function that may call each helper, with the line of the call.

    Only calls of a method with a helper's name are linked, so a project without
    transactional operations, or with few helpers, pays one pass over the call names.
    """
    names = {analysis.index.functions[helper][1].name for helper in helpers}
    callers: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for module in analysis.index.modules.values():
        for function in module.functions.values():
            for call in function.calls:
                if call.text.rpartition(".")[2] not in names:
                    continue
                for link in analysis.links(function, call):
                    if link.qualname in helpers and link.qualname != function.qualname:
                        callers[link.qualname].append((function.qualname, call.line))
    return callers


def raise_after_call(analysis: Analysis, qualname: str) -> tuple[str, int] | None:
    """Return a caller up the helper chain, by name, and the line of a ``raise`` it has after
    its call of the helper, or None.

    Such a raise rolls the operation's transaction back on purpose, after the helper ran.
    """
    helpers = analysis.operation_helpers()
    seen: set[str] = set()
    pending = [qualname]
    while pending:
        name = pending.pop()
        helper = helpers.get(name)
        if name in seen or helper is None:
            continue
        seen.add(name)
        for caller, line in helper.calls:
            function = analysis.index.functions[caller][1]
            raised = next((raise_line for raise_line in function.raises if raise_line > line), None)
            if raised is not None:
                return function.name, raised
            pending.append(caller)
    return None
