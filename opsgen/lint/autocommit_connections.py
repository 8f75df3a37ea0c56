"""SQLAlchemy Core connections in AUTOCOMMIT isolation, where each ``execute()`` commits on its own.

``isolation_level="AUTOCOMMIT"`` can be set on the engine (``create_engine(url,
isolation_level="AUTOCOMMIT")``, ``engine.execution_options(isolation_level="AUTOCOMMIT")``)
or on one connection (``conn.execution_options(isolation_level="AUTOCOMMIT")``). The
driver then commits every statement, and ``conn.begin()`` and ``conn.commit()`` no longer
group anything, so two related inserts on such a connection are two transactions.

SQLAlchemy 1.x's ``Engine.execute()`` (removed in 2.0) does the same on any engine: it
checks out a connection for the one statement and commits a write at once, also inside
``with engine.begin():``, whose connection it does not use.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from opsgen.lint.orm import callee_name, scope_nodes
from opsgen.lint.rule import walk_scope
from opsgen.lint.summary import dotted_text

#: The first word of SQL text that changes rows.
SQL_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "MERGE")
#: Core statement builders that change rows.
DML_BUILDERS = frozenset({"insert", "update", "delete"})
#: Connection methods that run a statement.
EXECUTE_METHODS = frozenset({"execute", "exec_driver_sql"})
#: Functions that build a SQLAlchemy engine.
ENGINE_FACTORIES = frozenset({"create_engine", "engine_from_config"})


def _sets_autocommit(call: ast.Call) -> bool:
    """Return True for ``create_engine(..., isolation_level="AUTOCOMMIT")`` or ``x.execution_options(isolation_level="AUTOCOMMIT")``."""
    if callee_name(call.func) not in ("create_engine", "create_async_engine", "execution_options"):
        return False
    return any(
        keyword.arg == "isolation_level" and isinstance(keyword.value, ast.Constant) and keyword.value.value == "AUTOCOMMIT"
        for keyword in call.keywords
    )


def _autocommit_value(value: ast.expr, autocommit: set[str]) -> bool:
    """Return True when ``value`` gives an engine or connection in AUTOCOMMIT isolation:
    a call that sets it anywhere in its chain, or a method of a name already known to be one."""
    node: ast.expr = value.value if isinstance(value, ast.Await) else value
    while isinstance(node, (ast.Call, ast.Attribute)):
        if isinstance(node, ast.Call):
            if _sets_autocommit(node):
                return True
            node = node.func
        else:
            node = node.value
    return isinstance(node, ast.Name) and node.id in autocommit


def autocommit_engines(tree: ast.Module) -> set[str]:
    """Return the module-level names bound to an engine or connection in AUTOCOMMIT isolation."""
    names: set[str] = set()
    for statement in tree.body:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name):
            if _autocommit_value(statement.value, names):
                names.add(statement.targets[0].id)
    return names


def _writes(call: ast.Call) -> bool:
    """Return True for an ``execute()`` of an INSERT, UPDATE or DELETE built in Python or written as SQL text."""
    if not call.args:
        return False
    for node in [call.args[0], *walk_scope(call.args[0])]:
        if isinstance(node, ast.Call) and callee_name(node.func) in DML_BUILDERS:
            return True
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.lstrip().upper().startswith(SQL_WRITES):
            return True
    return False


def autocommit_writes(function: ast.FunctionDef | ast.AsyncFunctionDef, engines: set[str]) -> Iterator[ast.Call]:
    """Yield the writes the function runs on connections in AUTOCOMMIT isolation, in source order.

    ``engines`` contains the module-level names bound to such engines or connections.
    """
    autocommit = set(engines)
    nodes = sorted(
        (node for node in scope_nodes(function.body) if isinstance(node, (ast.Assign, ast.withitem, ast.Call))),
        key=lambda node: (getattr(node, "lineno", getattr(getattr(node, "context_expr", None), "lineno", 0)), getattr(node, "col_offset", 0)),
    )
    for node in nodes:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            if _autocommit_value(node.value, autocommit):
                autocommit.add(name)
            else:
                autocommit.discard(name)
        elif isinstance(node, ast.withitem) and isinstance(node.optional_vars, ast.Name):
            if _autocommit_value(node.context_expr, autocommit):
                autocommit.add(node.optional_vars.id)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            receiver = node.func.value
            if node.func.attr == "execution_options" and _sets_autocommit(node) and isinstance(receiver, ast.Name):
                autocommit.add(receiver.id)  # Connection.execution_options() changes the connection itself
            elif node.func.attr in EXECUTE_METHODS and _autocommit_value(receiver, autocommit) and _writes(node):
                yield node


def _builds_engine(value: ast.expr) -> bool:
    return isinstance(value, ast.Call) and callee_name(value.func) in ENGINE_FACTORIES


def _names_engine(receiver: ast.expr, engines: set[str]) -> bool:
    """Return True for a receiver that is an engine: a name bound to ``create_engine()``,
    or a value named ``engine`` or ``..._engine`` (Flask-SQLAlchemy's ``db.engine``)."""
    if isinstance(receiver, ast.Name) and receiver.id in engines:
        return True
    last = dotted_text(receiver).rpartition(".")[2]
    return last == "engine" or last.endswith("_engine")


def engine_executes(function: ast.FunctionDef | ast.AsyncFunctionDef, tree: ast.Module) -> Iterator[ast.Call]:
    """Yield the writes the function runs with SQLAlchemy 1.x's ``Engine.execute()``, in
    source order; each commits on its own."""
    engines = {
        target.id
        for statement in [*tree.body, *scope_nodes(function.body)]
        if isinstance(statement, ast.Assign) and _builds_engine(statement.value)
        for target in statement.targets
        if isinstance(target, ast.Name)
    }
    calls = [node for node in scope_nodes(function.body) if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)]
    for call in sorted(calls, key=lambda node: (node.lineno, node.col_offset)):
        assert isinstance(call.func, ast.Attribute)
        if call.func.attr == "execute" and _names_engine(call.func.value, engines) and _writes(call):
            yield call


def describe(call: ast.Call) -> str:
    return f"{dotted_text(call.func)}() at line {call.lineno}"
