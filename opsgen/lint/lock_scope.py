"""How long a row lock lasts, for the missing-lock rules (OPS2xx).

``select_for_update()`` and ``with_for_update()`` lock a row until the transaction that
ran the query ends. A write after that point is as unlocked as a write after a plain
load: two callers take the lock in turn, both pass their check, and both write.

The transaction is read from the syntax of one function:

* Django: the outermost ``with atomic():`` block of the function that holds the query. An
  inner ``atomic()`` is a savepoint and releases nothing. A function decorated with
  ``@atomic`` keeps its lock to the end, and a query outside any ``atomic()`` block runs
  in a transaction the function cannot see (its caller's, or ``ATOMIC_REQUESTS``), so
  neither is given an end.
* SQLAlchemy: the outermost ``with <session>.begin():`` block around the query, else the
  first ``commit()`` or ``rollback()`` that runs after the query on every path. Such a
  call sits in the block of the query or in a block around it, not inside an ``if`` or
  a handler.
"""

from __future__ import annotations

import ast

from opsgen.lint.orm import callee_name

#: ``with`` blocks that begin a transaction, by the last name of the call.
DJANGO_BLOCKS = frozenset({"atomic"})
SQLALCHEMY_BLOCKS = frozenset({"begin"})
#: Session methods that end the transaction, and with it the row locks it took.
TRANSACTION_ENDS = frozenset({"commit", "rollback"})

Function = ast.FunctionDef | ast.AsyncFunctionDef


def lock_end_line(function: Function, statement: ast.stmt, orm: str) -> int | None:
    """Return the last line at which the row lock taken by ``statement`` is held, or None
    when the lock lasts to the end of ``function`` or longer.

    ``orm`` is ``"django"`` or ``"sqlalchemy"``, the ORM of the locking query.
    """
    if orm == "django" and any(_names_block(decorator, DJANGO_BLOCKS) for decorator in function.decorator_list):
        return None
    path = _statement_path(function.body, statement)
    if path is None:
        return None
    blocks = DJANGO_BLOCKS if orm == "django" else SQLALCHEMY_BLOCKS
    for body, position in path:
        holder = body[position]
        if holder is not statement and isinstance(holder, (ast.With, ast.AsyncWith)):
            if any(_names_block(item.context_expr, blocks) for item in holder.items):
                return holder.end_lineno or holder.lineno
    if orm != "sqlalchemy":
        return None
    # Innermost block first: the first commit after the query on every path.
    for body, position in reversed(path):
        for later in body[position + 1 :]:
            if _ends_transaction(later):
                return later.lineno
    return None


def _names_block(expr: ast.expr, blocks: frozenset[str]) -> bool:
    """Return True for ``atomic``, ``transaction.atomic(using=...)`` or ``session.begin()``."""
    if isinstance(expr, ast.Call):
        expr = expr.func
    if isinstance(expr, ast.Attribute):
        return expr.attr in blocks
    return isinstance(expr, ast.Name) and expr.id in blocks


def _ends_transaction(statement: ast.stmt) -> bool:
    """Return True for a statement that is a ``commit()`` or ``rollback()`` call (awaited or not)."""
    if not isinstance(statement, ast.Expr):
        return False
    value = statement.value.value if isinstance(statement.value, ast.Await) else statement.value
    return isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and callee_name(value.func) in TRANSACTION_ENDS


def _statement_path(body: list[ast.stmt], statement: ast.stmt) -> list[tuple[list[ast.stmt], int]] | None:
    """Return the (body, index) pairs from ``body`` down to ``statement``, outermost first.

    Nested definitions are not entered: their code does not run where they are defined.
    """
    for position, candidate in enumerate(body):
        if candidate is statement:
            return [(body, position)]
        if isinstance(candidate, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        start, end = candidate.lineno, candidate.end_lineno or candidate.lineno
        if not start <= statement.lineno <= end:
            continue
        for inner in _bodies(candidate):
            found = _statement_path(inner, statement)
            if found is not None:
                return [(body, position), *found]
    return None


def _bodies(statement: ast.stmt) -> list[list[ast.stmt]]:
    """Return the statement lists nested directly in a compound statement."""
    bodies = [getattr(statement, field) for field in ("body", "orelse", "finalbody") if getattr(statement, field, None)]
    bodies += [handler.body for handler in getattr(statement, "handlers", None) or []]
    bodies += [case.body for case in getattr(statement, "cases", None) or []]
    return bodies
