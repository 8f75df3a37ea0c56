"""Call facts: the part of a module's functions that the call-following rules of other modules read.

OPS101 and OPS102 read another module's function bodies only through a few derived
facts, the module's "call facts". For each function these are the chain down to a side
effect, the number of writes made outside its own transactions, whether a transaction
covers its whole body, and whether it leaves a session write open or commits one. A
``post_save`` receiver that reads ``created`` adds its chains for an insert and an update. The
module adds its call edges and the functions its calls inside a transaction lead to.
When a file's content changed but its call facts did not, the kept OPS101 and OPS102
findings of its callers and callees still hold, so the engine re-checks only the file
itself. A comment changes nothing here, and neither does a moved line, unless a chain
to a side effect passes through it.

The facts of the file's previous version are computed against an index that contains
that version's summary, read back from the cache, in place of the current one. The other
modules are the same in both indexes, so the two sets of facts differ exactly where the
change is visible to other modules.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from opsgen.lint.analysis import Analysis, Transaction
from opsgen.lint.index import ProjectIndex
from opsgen.lint.summary import FunctionSummary, ModuleSummary

#: One module's facts: its call edges, one row per function, and the functions on the
#: chains that start at its calls inside a transaction.
CallFacts = tuple[list[tuple[str, str, bool]], list[list[Any]], list[str]]


def module_call_facts(analysis: Analysis, module: ModuleSummary) -> CallFacts:
    """Return the facts of ``module`` that other modules' OPS101 and OPS102 findings read."""
    edges = analysis.call_edges(module)
    rows = [_function_facts(analysis, function) for function in module.functions.values()]
    reached = sorted(analysis.reached_from_module(module))
    return edges, rows, reached


def _function_facts(analysis: Analysis, function: FunctionSummary) -> list[Any]:
    qualname = function.qualname
    reach = analysis.reach(qualname)
    row: list[Any] = [
        qualname,
        _context_fact(analysis.context(function)),
        analysis.possible_context(function) is not None,
        (reach.effect.kind, reach.effect.name, reach.hops, sorted(reach.functions)) if reach is not None else None,
        analysis.write_count(qualname),
        analysis.leaves_session_open(qualname),
        # OPS102 counts a call of a helper that commits its own session writes as one transaction.
        any(
            call.session_write and call.text.endswith(".commit") and analysis.open_block(function, call.transaction) is None
            for call in function.calls
        ),
        # ... and so does a call of a helper whose writes all run in a transaction it opens.
        analysis.writes_in_own_transaction(function),
        # A save() of the row that a helper created and returned is part of its creation.
        function.returns_created,
        # Redis writes of a function whose caller makes a pipeline may be queued on it.
        any(call.text.endswith(".pipeline") for call in function.calls),
    ]
    if analysis.operations:
        # The autofix of an operation helper's effect checks for a raise after the call in
        # run() or the helpers that call it.
        row.append(function.raises)
    if analysis.reads_save_kind(function):
        # A save() elsewhere reaches a post_save receiver's ``if created:`` arm only when it inserts.
        for inserts in (True, False):
            found = analysis.save_reach(qualname, inserts)
            row.append(("save", inserts, (found.effect.kind, found.effect.name, found.hops) if found is not None else None))
    return row


def _context_fact(context: Transaction | None) -> tuple[str, str | None] | None:
    """Return what other modules read of the transaction around a whole function body.

    That is whether there is one, and for an operation's ``run()`` its reason, which the
    helper methods it calls repeat wherever they are defined. The line of the function
    stays out, so moving an ``@atomic`` function or a receiver changes nothing for them.
    """
    if context is None:
        return None
    return context.style, context.reason if context.style == "opsgen" else None


def unseen_changes(index: ProjectIndex, previous: Mapping[str, ModuleSummary]) -> set[str]:
    """Return the changed modules whose call facts are the same as before the change.

    ``previous`` maps the path of each changed module to the summary of its previous
    version. Every changed module is put back to that version in one copy of the index, so
    facts that depend on two of them are compared as a whole.
    """
    if not previous:
        return set()
    if all(summary == index.modules[path] for path, summary in previous.items()):
        # Only text that the summaries leave out changed, such as a comment that moves no line.
        return set(previous)
    after = index.analysis
    before = index.with_summaries(previous.values()).analysis
    before.share_declarations(after)
    old_facts = _facts_in_order(before, list(previous.values()))
    new_facts = _facts_in_order(after, [index.modules[path] for path in previous])
    if before.operations and before.operation_helpers() != after.operation_helpers():
        return set()
    return {path for path in previous if old_facts[path] == new_facts[path]}


def _facts_in_order(analysis: Analysis, modules: list[ModuleSummary]) -> dict[str, CallFacts]:
    # The call edges of every module first, then the rest, in the same order for both
    # versions, so that a call cycle is entered at the same function in both.
    for module in modules:
        analysis.call_edges(module)
    return {module.path: module_call_facts(analysis, module) for module in modules}
