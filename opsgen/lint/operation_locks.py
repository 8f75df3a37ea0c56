"""Which rows the declared locks of an operation cover inside its ``run()``.

The pipeline takes every ``locks:`` key of the spec before the operation's transaction
opens and holds it until the transaction ends. A key names inputs (``order:{order_id}``)
or context keys (``wallet:{actor}``), so it serialises the executions that load a row by
that value (``ctx.session.get(Order, order_id)``). It does nothing for a row loaded by
any other value: a foreign key read from another row (``order.customer_id``), a
relationship (``order.customer``) or a constant. Two executions for two orders of one
customer load that customer at the same time.

A row loaded by an input that no key names is OPS204's finding. The rows loaded by
other values are left to the rules that judge plain code (OPS201, OPS202), which ask
this module which of the rows ``run()`` binds the declared locks cover.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from dataclasses import dataclass

from opsgen.lint.operations import OperationInfo, run_parameter_name
from opsgen.lint.orm import classify_load, query_binding, refreshed_with_lock, scope_nodes
from opsgen.lint.returned_rows import helper_load
from opsgen.lint.rule import ModuleContext

#: A name in braces in a lock key template: an input or a context key (``{order_id}``).
LOCK_KEY_NAME = re.compile(r"\{(\w+)\}")
#: Attributes that hold a row's own primary key, so ``order.id`` of a row loaded by the
#: locked input ``order_id`` carries that input.
PRIMARY_KEY_ATTRIBUTES = frozenset({"id", "pk"})


@dataclass(frozen=True)
class DeclaredLocks:
    """The inputs of an operation and the subset that its spec's lock keys name."""

    operation: OperationInfo
    inputs: frozenset[str]
    #: The inputs and context keys that a lock key names.
    covered: frozenset[str]
    #: The name of ``run()``'s ``**inputs`` parameter, whose ``inputs["order_id"]`` is an input.
    keywords_param: str | None

    def inputs_in(self, expr: ast.AST, carried: Mapping[str, frozenset[str]], row_keys: Mapping[str, frozenset[str]]) -> set[str]:
        """Return the inputs that ``expr`` uses.

        ``carried`` gives the inputs that the value of a local name bound earlier carries,
        such as a statement built from an input (``stmt = select(Order).where(Order.id ==
        order_id)``). ``row_keys`` gives, for a row loaded by inputs, those inputs, because
        its ``order.id`` is the input it was loaded by. Its other attributes carry none.
        """
        found: set[str] = set()
        for node in ast.walk(expr):
            if isinstance(node, ast.Name):
                found |= {node.id} & self.inputs
                found |= carried.get(node.id, frozenset())
            elif isinstance(node, ast.Attribute) and node.attr in PRIMARY_KEY_ATTRIBUTES and isinstance(node.value, ast.Name):
                found |= row_keys.get(node.value.id, frozenset())
            elif isinstance(node, ast.Attribute) and node.attr in self.context_keys:
                found.add(node.attr)  # ctx.actor or ctx.context.actor, for a key such as "wallet:{actor}"
            else:
                found |= self._keyed_value(node)
        return found

    @property
    def context_keys(self) -> frozenset[str]:
        """Return the names in lock keys that are no input: context keys such as ``actor``."""
        return self.covered - self.inputs

    def _keyed_value(self, node: ast.AST) -> set[str]:
        """Return the input or context key that a lookup by a string reads.

        That is an input read from ``run()``'s ``**inputs`` (``inputs["order_id"]``,
        ``inputs.get("order_id")``), or a context key that a lock key names read from any
        mapping or context (``ctx.context.get("tenant")``, ``ctx.context.extra["tenant"]``).
        """
        key: ast.expr | None = None
        owner: ast.expr | None = None
        if isinstance(node, ast.Subscript):
            key, owner = node.slice, node.value
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get" and node.args:
            key, owner = node.args[0], node.func.value
        if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
            return set()
        if key.value in self.context_keys:
            return {key.value}
        keywords = self.keywords_param
        if keywords is not None and isinstance(owner, ast.Name) and owner.id == keywords and key.value in self.inputs:
            return {key.value}
        return set()

    def describe(self) -> str:
        """Return the message clause that names what the spec locks."""
        if not self.operation.locks:
            return f"the spec of {self.operation.name} declares no locks"
        keys = ", ".join(self.operation.locks)
        return f"the spec of {self.operation.name} locks only {keys}"


def declared_locks(module: ModuleContext, function: ast.FunctionDef | ast.AsyncFunctionDef) -> DeclaredLocks | None:
    """Return the declared locks of the operation whose ``run()`` ``function`` is, or None
    for any other function."""
    if function.name != "run" or not module.analysis.operations:
        return None
    summary = next((f for f in module.summary.functions.values() if f.line == function.lineno and f.name == "run"), None)
    operation = module.analysis.operation_of(summary) if summary is not None else None
    return locks_of(operation, function) if operation is not None else None


def locks_of(operation: OperationInfo, run: ast.FunctionDef | ast.AsyncFunctionDef) -> DeclaredLocks:
    """Return what the spec of ``operation`` locks, for its ``run()`` method ``run``.

    A spec without an ``input`` section takes ``run()``'s keyword-only parameters as inputs.
    Inputs are named as ``run()`` takes them, so an input that a lock key names by its spec
    name ``json`` counts as the parameter ``json_``.
    """
    arguments = run.args
    parameters = {name: run_parameter_name(name) for name in operation.inputs}
    inputs = frozenset(parameters.values()) or frozenset(argument.arg for argument in arguments.kwonlyargs)
    covered = frozenset(parameters.get(name, name) for key in operation.locks for name in LOCK_KEY_NAME.findall(key))
    keywords = arguments.kwarg.arg if arguments.kwarg is not None else None
    return DeclaredLocks(operation, inputs, covered, keywords)


@dataclass(frozen=True)
class RowBinding:
    """A local name bound in ``run()``, and whether the declared locks cover its row."""

    line: int
    name: str
    #: One of:
    #:
    #: - ``locked``: the query, or a later ``refresh(row, with_for_update=True)``, locks the row.
    #: - ``covered``: loaded by an input or context key that a lock key names.
    #: - ``input``: loaded by an input that no lock key names, which OPS204 reports.
    #: - ``unlocked``: loaded by any other value.
    #: - ``related``: reached through an attribute of another row, such as ``order.customer``.
    #: - ``other``: not a row.
    state: str
    #: The load or the attribute that gives the row; the bound value for ``other``.
    value: ast.expr
    #: ``django`` or ``sqlalchemy``; None for ``other``.
    orm: str | None = None


#: The states of a row that no lock covers.
UNCOVERED = frozenset({"unlocked", "related"})


def bind_rows(module: ModuleContext, run: ast.FunctionDef | ast.AsyncFunctionDef, locks: DeclaredLocks) -> list[RowBinding]:
    """Return the names that ``run`` binds, in source order, each with its row's state."""
    bindings: list[RowBinding] = []
    carried: dict[str, frozenset[str]] = {}  # name -> the inputs its value carries
    row_keys: dict[str, frozenset[str]] = {}  # row name -> the inputs it was loaded by
    rows: dict[str, str] = {}  # row name -> its ORM
    queries: dict[str, bool] = {}
    for node in scope_nodes(run.body):
        if isinstance(node, ast.Call):
            refreshed = refreshed_with_lock(node, queries)
            if refreshed is not None and refreshed[0] in rows:
                bindings.append(RowBinding(node.lineno, refreshed[0], "locked", node, rows[refreshed[0]]))
            continue
        if isinstance(node, (ast.For, ast.AsyncFor)) and isinstance(node.target, ast.Name):
            name = node.target.id
            for table in (carried, row_keys, rows):
                table.pop(name, None)
            bindings.append(RowBinding(node.lineno, name, "other", node.iter))
            continue
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)):
            continue
        name, value = node.targets[0].id, node.value
        used = frozenset(locks.inputs_in(value, carried, row_keys))
        binding = _bind(module, node, used, locks, rows, queries)
        for table in (carried, row_keys, rows):
            table.pop(name, None)
        if binding.orm is not None:
            rows[name] = binding.orm
            if binding.state in ("covered", "input"):
                row_keys[name] = used
        else:
            carried[name] = used
        query = query_binding(value, queries)
        if query is None:
            queries.pop(name, None)
        else:
            queries[name] = query
        bindings.append(binding)
    return bindings


def _bind(
    module: ModuleContext, node: ast.Assign, used: frozenset[str], locks: DeclaredLocks, rows: Mapping[str, str], queries: Mapping[str, bool]
) -> RowBinding:
    """Return the state of the row that ``node`` binds to its name."""
    name = ast.unparse(node.targets[0])
    value = node.value
    load = classify_load(value, module.qualify, queries)
    if load is None:
        row = helper_load(module, value)  # a project function that returns the row it loaded
        load = row.load if row is not None else None
    if load is not None:
        if load.locked:
            state = "locked"
        elif used & locks.covered:
            state = "covered"
        elif used:
            state = "input"
        else:
            state = "unlocked"
        return RowBinding(node.lineno, name, state, value, load.orm)
    root = _attribute_root(value)
    if root is not None and root in rows and not (isinstance(value, ast.Attribute) and value.attr in PRIMARY_KEY_ATTRIBUTES):
        return RowBinding(node.lineno, name, "related", value, rows[root])
    return RowBinding(node.lineno, name, "other", value)


def row_at(bindings: list[RowBinding], receiver: ast.expr, line: int) -> RowBinding | None:
    """Return the row that ``receiver`` names at ``line``, or None when it names no row.

    ``customer`` gives its latest binding before ``line``; ``order.customer`` gives a
    ``related`` row when ``order`` is bound to a row there.
    """
    if isinstance(receiver, ast.Name):
        latest = _latest(bindings, receiver.id, line)
        return latest if latest is not None and latest.orm is not None else None
    root = _attribute_root(receiver)
    owner = _latest(bindings, root, line) if root is not None else None
    if owner is None or owner.orm is None:
        return None
    return RowBinding(line, ast.unparse(receiver), "related", receiver, owner.orm)


def _latest(bindings: list[RowBinding], name: str, line: int) -> RowBinding | None:
    return next((binding for binding in reversed(bindings) if binding.name == name and binding.line < line), None)


def _attribute_root(expr: ast.expr) -> str | None:
    """Return ``order`` for ``order.customer`` or ``order.customer.account``; None for other expressions."""
    if not isinstance(expr, ast.Attribute):
        return None
    while isinstance(expr, ast.Attribute):
        expr = expr.value
    return expr.id if isinstance(expr, ast.Name) else None
