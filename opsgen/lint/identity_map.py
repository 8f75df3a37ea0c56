"""A SQLAlchemy row locked after the session already holds it, without populate_existing.

A session keeps one object per row (its identity map). When a function loads a row
without a lock and later runs ``select(Account).where(...).with_for_update()`` for the
same row, the database locks the row. The session still returns the object it already
contains, with the attributes read the first time, unless the query sets
``populate_existing``. A change computed from those attributes overwrites a concurrent
change, as if the row had not been locked. A ``commit()``, ``rollback()``, ``expire()``
or ``refresh()`` in between expires the attributes, so the locking query loads them anew.
The identity map holds its objects weakly, so the first object must still be bound to its
name when the locking query runs.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence

from opsgen.lint.orm import Load, loaded_model

#: Session calls after which the next query loads the row's attributes again.
EXPIRING_CALLS = frozenset({"commit", "rollback", "expire", "expire_all", "refresh", "close", "expunge", "expunge_all"})


def stale_locked_load(
    loads: Sequence[tuple[str, ast.Assign, Load | None]], receiver: str, line: int, nodes: Sequence[ast.AST]
) -> tuple[ast.Assign, ast.Assign] | None:
    """Return the earlier unlocked load and the locking load of the row that ``receiver``
    holds at ``line``, when the locking query returns the session's stale object; else None.

    ``loads`` lists each binding of a name in source order with the row load it makes, as
    ``(ast.dump of the name, assignment, load)``.
    """
    bound = [(statement, load) for key, statement, load in loads if key == receiver and statement.lineno < line]
    if not bound:
        return None
    locking, lock = bound[-1]
    if lock is None or lock.orm != "sqlalchemy" or not lock.locked:
        return None
    model = loaded_model(locking.value)
    if not model or "populate_existing" in _query_text(locking, nodes):
        return None
    keys = _keys(locking.value, model)
    for _, earlier, load in loads:
        if earlier.lineno >= locking.lineno or load is None or load.orm != "sqlalchemy" or load.locked:
            continue
        if loaded_model(earlier.value) != model or not keys & _keys(earlier.value, model):
            continue
        if not _expired_between(nodes, earlier.lineno, locking.lineno) and not _rebound_between(nodes, earlier, locking.lineno):
            return earlier, locking
    return None


def _rebound_between(nodes: Sequence[ast.AST], earlier: ast.Assign, end: int) -> bool:
    """Return True when the name the first load bound is bound again, or deleted, before
    ``end``, which may let the session drop the object."""
    names = {target.id for target in earlier.targets if isinstance(target, ast.Name)}
    for node in nodes:
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)) and node.id in names:
            if earlier.lineno < node.lineno < end:
                return True
    return False


def _query_text(statement: ast.Assign, nodes: Sequence[ast.AST]) -> str:
    """Return the source of the load and of the earlier bindings of the names it uses, such
    as a statement built first: ``query = select(A)...``, then ``session.scalars(query.execution_options(...))``."""
    names = {node.id for node in ast.walk(statement.value) if isinstance(node, ast.Name)}
    parts = [ast.unparse(statement.value)]
    for node in nodes:
        if isinstance(node, ast.Assign) and node.lineno < statement.lineno:
            if any(isinstance(target, ast.Name) and target.id in names for target in node.targets):
                parts.append(ast.unparse(node.value))
    return "\n".join(parts)


def _keys(value: ast.expr, model: str) -> set[str]:
    """Return the values a load selects its row by: ``account_id`` of
    ``session.get(Account, account_id)`` or of ``where(Account.id == account_id)``."""
    found: set[str] = set()
    for node in ast.walk(value):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr == "get" and len(node.args) >= 2:
                found.add(ast.unparse(node.args[1]))
            elif node.func.attr == "filter_by":
                found.update(ast.unparse(keyword.value) for keyword in node.keywords)
        elif isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], ast.Eq):
            for side in (node.left, node.comparators[0]):
                text = ast.unparse(side)
                if not text.startswith(f"{model}."):
                    found.add(text)
    return found


def _expired_between(nodes: Sequence[ast.AST], start: int, end: int) -> bool:
    """Return True when a call between the two lines expires the session's objects."""
    return any(
        isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in EXPIRING_CALLS and start < node.lineno < end
        for node in nodes
    )
