"""Re-check the call-following rules only in modules that a changed file reaches by calls.

OPS101 and OPS102 follow call chains across the project, so a change in one file can
change their findings in another. Each file's cache entry keeps, for these rules, the
findings of the last check, the module's call edges (caller, callee, in a transaction),
the functions that its calls inside a transaction lead to, and its declaration digest.
On the next run the engine works out which files changed since. When each of them kept
its declarations (names, signatures, classes, receivers), every other module's call
edges still hold. Then each changed file is checked again. So are the modules joined by
a chain of calls, callers or callees, to a changed file whose call facts
(:mod:`opsgen.lint.call_facts`) differ from those of its previous version. Any other
change checks every module: a file added or removed, a declaration changed, or a change
to a function whose body other modules' findings read (a task base's ``apply_async``, a
generator that yields inside a transaction, see :func:`body_read_functions`).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from opsgen.lint import knowledge
from opsgen.lint.analysis import Hop
from opsgen.lint.call_facts import unseen_changes
from opsgen.lint.index import ProjectIndex
from opsgen.lint.openers import NESTED, ProjectOpeners
from opsgen.lint.operations import OperationInfo
from opsgen.lint.rule import Finding, Fix
from opsgen.lint.summary import FunctionSummary, ModuleSummary

Edge = tuple[str, str, bool]

#: Methods whose bodies other modules' findings read: a task base class deferring its
#: enqueue to the commit (``Analysis.defers_to_commit``).
BODY_READ_METHODS = frozenset({"apply_async", "delay"})


@dataclass
class CallPlan:
    """The plan of one run of the call-following rules: the modules to check again, the findings reused."""

    fingerprint: str
    affected: set[str]  # paths of the modules to check again
    reuse: dict[str, list[Finding]] = field(default_factory=dict)  # path -> findings kept
    edges: dict[str, list[Edge]] = field(default_factory=dict)  # path -> call edges now


def plan_calls(index: ProjectIndex, fingerprint: str) -> CallPlan:
    """Decide which modules the call-following rules must check again; set up the callers map."""
    analysis = index.analysis
    modules = index.modules
    fingerprint = with_operations(fingerprint, analysis.operations)
    changed = [path for path in modules if _stored(index.cache_entries.get(path), fingerprint) is None]
    incremental = bool(index.previous_entries) and not set(index.previous_entries) - set(modules)
    old_edges: dict[str, list[Edge]] = {}
    previous: dict[str, ModuleSummary] = {}
    for path in changed:
        if not incremental:
            break
        old = index.previous_entries.get(path)
        kept = _stored(old, fingerprint)
        new = index.cache_entries.get(path) or {}
        if kept is None or old is None or old.get("decl") != new.get("decl"):
            incremental = False
            break
        summary = _previous_summary(old, modules[path])
        if (kept.get("sensitive") or reads_bodies(analysis.project_openers, modules[path])) and not same_bodies_read(analysis.project_openers, summary, modules[path]):
            incremental = False
            break
        old_edges[path] = _edges(kept)
        if summary is not None:
            previous[summary.path] = summary

    if not incremental:
        edges = {path: analysis.call_edges(module) for path, module in modules.items()}
        analysis.use_edges(edges.values())
        return CallPlan(fingerprint, set(modules), {}, edges)

    fresh = set(changed)
    edges = {}
    for path, module in modules.items():
        if path in fresh:
            edges[path] = analysis.call_edges(module)
        else:
            edges[path] = _edges(_stored(index.cache_entries[path], fingerprint) or {})
    analysis.use_edges(edges.values())

    # A change that leaves a module's call facts as they were reaches no other module.
    seeds = fresh - unseen_changes(index, previous)
    down: dict[str, set[str]] = defaultdict(set)
    up: dict[str, set[str]] = defaultdict(set)
    for groups in (edges, old_edges):
        for path, group in groups.items():
            for _caller, callee, _in_transaction in group:
                entry = index.functions.get(callee)
                if entry is not None and entry[0].path != path:
                    down[path].add(entry[0].path)
                    up[entry[0].path].add(path)
    affected = fresh | _closure(seeds, down) | _closure(seeds, up)
    reuse = {}
    reached: dict[str, list[str]] = {}
    for path in modules:
        if path not in affected:
            kept = _stored(index.cache_entries[path], fingerprint) or {}
            reuse[path] = [finding_from_json(path, row) for row in kept.get("findings", ())]
            if isinstance(kept.get("reached"), list):
                reached[path] = kept["reached"]
    analysis.use_reached(reached)
    return CallPlan(fingerprint, affected, reuse, edges)


def with_operations(fingerprint: str, operations: Mapping[str, OperationInfo]) -> str:
    """Return ``fingerprint`` extended by a digest of the operations read from the specs.

    Whether a spec says ``transaction: true`` decides OPS101's findings in its ``run()``
    and helpers, so a changed spec must not reuse the findings kept under the old one.
    """
    if not operations:
        return fingerprint
    rows = [[key, asdict(info)] for key, info in sorted(operations.items())]
    digest = hashlib.sha1(json.dumps(rows, default=sorted).encode()).hexdigest()[:12]
    return f"{fingerprint}/{digest}"


def store_checked(index: ProjectIndex, plan: CallPlan, path: str, findings: list[Finding]) -> None:
    """Keep a checked module's findings, edges and the functions that its calls inside a
    transaction lead to, writing the entry only when they changed."""
    rows = [finding_to_json(finding) for finding in findings]
    edges = [list(edge) for edge in plan.edges.get(path, ())]
    module = index.modules[path]
    reached = sorted(index.analysis.reached_from_module(module))
    kept = _stored(index.cache_entries.get(path), plan.fingerprint)
    if kept is not None and kept.get("findings") == rows and kept.get("edges") == edges and kept.get("reached") == reached:
        return
    value = {"fp": plan.fingerprint, "findings": rows, "edges": edges, "reached": reached, "sensitive": reads_bodies(index.analysis.project_openers, module)}
    index.store(path, "calls", value)


def forget_unchecked(index: ProjectIndex, plan: CallPlan, checked: Iterable[str]) -> None:
    """Drop the kept results of affected modules this run did not check (outside its paths)."""
    done = set(checked)
    for path in plan.affected - done:
        index.store(path, "calls", None)


def reads_bodies(openers: ProjectOpeners, module: ModuleSummary) -> bool:
    """Return True when other modules' findings read some of this module's function bodies."""
    return any(_body_read(openers, function) for function in module.functions.values())


def body_read_functions(openers: ProjectOpeners, module: ModuleSummary) -> set[str]:
    """Return the qualified names of the functions whose bodies other modules' findings
    read, with the functions of the module that those bodies depend on.

    A task base's ``apply_async`` or ``delay`` decides whether enqueueing elsewhere is
    safe, every ``serializer.save()`` counts as a caller of every serializer hook, a
    project context manager, generator or decorator that wraps a transaction block puts
    its callers' code inside the transaction, and a decorator whose wrapper calls
    ``on_commit()`` defers the functions it decorates. So does a middleware that calls
    ``get_response()`` inside a ``with`` block, which may put every view inside a
    transaction. What the linter reads of such a function may also come from the module's
    other functions: the ones it calls, the functions around a nested one, the other
    methods of its class (``__enter__`` beside ``__exit__``) and its callers in the
    module, which decide whether it runs inside a transaction.
    """
    functions = module.functions
    callers: dict[str, set[str]] = defaultdict(set)
    for qualname, function in functions.items():
        for call in function.calls:
            if call.target in functions:
                callers[call.target].add(qualname)
    found = {qualname for qualname, function in functions.items() if _body_read(openers, function)}
    pending = list(found)
    while pending:
        function = functions[pending.pop()]
        related = {call.target for call in function.calls if call.target in functions} | callers[function.qualname]
        outer = function.qualname.partition(NESTED)[0]
        related.update(name for name in functions if name == outer or name.startswith(outer + NESTED))
        if function.class_name:
            related.update(name for name, other in functions.items() if other.class_name == function.class_name)
        for name in related:
            if name is not None and name not in found:
                found.add(name)
                pending.append(name)
    return found


def same_bodies_read(openers: ProjectOpeners, before: ModuleSummary | None, after: ModuleSummary) -> bool:
    """Return True when a changed module kept every function body that other modules'
    findings read, as its previous version's summary ``before`` shows: only the module's
    other functions changed, and the call facts compared later cover those."""
    if before is None:
        return False
    names = body_read_functions(openers, before) | body_read_functions(openers, after)
    return all(before.functions.get(name) == after.functions.get(name) for name in names)


def _body_read(openers: ProjectOpeners, function: FunctionSummary) -> bool:
    if openers.may_open_for_callers(function):
        return True
    if function.class_name and function.name in BODY_READ_METHODS:
        return True
    if function.nested and any(call.target in knowledge.DEFERRALS for call in function.calls):
        return True
    for call in function.calls:
        receiver, _, attribute = call.text.rpartition(".")
        if attribute == "save" and "serializer" in receiver.lower():
            return True
        if attribute == "get_response" and call.transaction >= 0:
            return True
    return False


def finding_to_json(finding: Finding) -> dict[str, Any]:
    row: dict[str, Any] = {"line": finding.line, "column": finding.column, "code": finding.code, "message": finding.message}
    if finding.via:
        row["via"] = [[hop.path, hop.line, hop.column, hop.name] for hop in finding.via]
    if finding.fix is not None:
        fix = finding.fix
        row["fix"] = [fix.kind, fix.line, fix.column, fix.style, fix.using, fix.block_line]
    if finding.no_fix_reason is not None:
        row["no_fix"] = finding.no_fix_reason
    return row


def finding_from_json(path: str, row: dict[str, Any]) -> Finding:
    via = tuple(Hop(*hop) for hop in row.get("via", ()))
    fix = Fix(*row["fix"]) if row.get("fix") else None
    return Finding(path, row["line"], row["column"], row["code"], row["message"], via, fix, row.get("no_fix"))


def _previous_summary(entry: dict[str, Any], current: ModuleSummary) -> ModuleSummary | None:
    """Return the summary of a changed file's previous version, kept in its old cache entry."""
    data = entry.get("summary")
    if not isinstance(data, dict) or data.get("path") != current.path or data.get("module") != current.module:
        return None
    return ModuleSummary.from_json(data)


def _stored(entry: dict[str, Any] | None, fingerprint: str) -> dict[str, Any] | None:
    kept = entry.get("calls") if entry else None
    if isinstance(kept, dict) and kept.get("fp") == fingerprint:
        return kept
    return None


def _edges(kept: dict[str, Any]) -> list[Edge]:
    # The rows stay the JSON lists they were read as: converting tens of thousands of them
    # to tuples took longer than the rest of the plan.
    edges: list[Edge] = kept.get("edges", [])
    return edges


def _closure(start: Iterable[str], graph: dict[str, set[str]]) -> set[str]:
    seen = set(start)
    pending = list(seen)
    while pending:
        for neighbour in graph.get(pending.pop(), ()):
            if neighbour not in seen:
                seen.add(neighbour)
                pending.append(neighbour)
    return seen
