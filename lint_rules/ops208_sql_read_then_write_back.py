"""OPS208: a value read with a SQL SELECT and written back with an UPDATE computed in Python."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass

from opsgen.lint.orm import callee_name, function_nodes, is_lock_name, is_migration_path, is_test_path, scope_nodes, takes_lock
from opsgen.lint.rule import Finding, ModuleContext, Rule, walk_scope
from opsgen.lint.summary import FunctionSummary

#: ``SELECT <columns> FROM <table>``, with the table's name.
SELECT = re.compile(r"^\s*select\b(?P<columns>.*?)\bfrom\s+(?P<table>[\w.\"`]+)", re.IGNORECASE | re.DOTALL)
#: ``UPDATE <table> SET <assignments> [WHERE ...]``.
UPDATE = re.compile(r"^\s*update\s+(?P<table>[\w.\"`]+)\s+set\s+(?P<assignments>.*?)(?:\bwhere\b|\breturning\b|$)", re.IGNORECASE | re.DOTALL)
#: An ``UPDATE <table> SET`` anywhere in a module's text: without one there is nothing to report.
UPDATE_TEXT = re.compile(r"\b(?:UPDATE|update)\s+[\w.\"`]+\s+(?:SET|set)\b")
#: SQL that takes a lock: a locking read, a table lock or an advisory lock.
SQL_LOCKS = re.compile(r"\bfor\s+(?:no\s+key\s+)?update\b|\block\s+table\b|advisory", re.IGNORECASE)
#: Calls that hand back the rows of the last SELECT: DB-API cursors, SQLAlchemy results, asyncpg.
FETCHES = frozenset({"fetchone", "fetchall", "fetchmany", "fetchval", "fetchrow", "fetch", "first", "one", "scalar", "scalar_one", "scalar_one_or_none", "one_or_none"})
#: Calls that run SQL text.
RUNS_SQL = frozenset({"execute", "exec_driver_sql", "fetchval", "fetchrow", "fetch"})
SIMPLE_STATEMENTS = (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Expr, ast.Return)


@dataclass
class _Read:
    """A SELECT of a table that no lock covers, and the names bound to what it returned."""

    statement: ast.stmt
    table: str
    names: set[str]


def sql_text(call: ast.Call) -> str | None:
    """Return the SQL a call runs when its first argument is literal text: a string, an
    f-string (its literal parts) or SQLAlchemy's ``text("...")``; else None."""
    if not call.args:
        return None
    argument = call.args[0]
    if isinstance(argument, ast.Call) and callee_name(argument.func) == "text" and argument.args:
        argument = argument.args[0]
    if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
        return argument.value
    if isinstance(argument, ast.JoinedStr):
        return "".join(str(part.value) if isinstance(part, ast.Constant) else "?" for part in argument.values)
    return None


def _table(name: str) -> str:
    return name.strip('"`').rpartition(".")[2].lower()


def _overwritten_columns(assignments: str) -> list[str]:
    """Return the columns an UPDATE sets to a parameter, not to an expression of themselves.

    ``SET downloads = %s`` overwrites ``downloads`` with a value computed outside the
    database. ``SET downloads = downloads + 1`` lets the database compute it, atomically.
    """
    columns = []
    for assignment in assignments.split(","):
        column, _, value = assignment.partition("=")
        column = column.strip().strip('"`').lower()
        if column and not re.search(rf"\b{re.escape(column)}\b", value, re.IGNORECASE):
            columns.append(column)
    return columns


class SqlReadThenWriteBack(Rule):
    """Flags a value read with a SQL ``SELECT`` and written back by an ``UPDATE`` with a value computed in Python.

    What it does:
        Follows SQL text run through ``cursor.execute(...)``, ``connection.execute(text(...))``
        and asyncpg's ``fetchval()``/``fetchrow()``. Reports a ``SELECT ... FROM t`` without
        ``FOR UPDATE`` when a later ``UPDATE t SET c = <parameter>`` in the same function
        passes a parameter computed from what the select returned (the names bound from
        ``fetchone()``, ``scalar()`` and the like). Not reported: an ``UPDATE`` that computes
        the column from itself (``SET c = c + 1``), a function that locks first (``FOR
        UPDATE``, ``LOCK TABLE``, an advisory lock, ``with <lock>:``, a lock helper), tests
        and migrations.

    Why is this bad:
        Two calls select the same value, both compute their new value from it, and the
        later ``UPDATE`` overwrites the earlier one: one download, one payment, one unit of
        stock is lost. Raw SQL gets no help from an ORM here.

    Example:
        cursor.execute("SELECT downloads FROM files WHERE id = %s", [file_id])
        (downloads,) = cursor.fetchone()
        cursor.execute("UPDATE files SET downloads = %s WHERE id = %s", [downloads + 1, file_id])

    Use instead:
        cursor.execute("UPDATE files SET downloads = downloads + 1 WHERE id = %s", [file_id])
    """

    code = "OPS208"
    name = "missing-lock"
    scope = "module"
    MESSAGE = (
        "OPS208 this SELECT reads {table} without FOR UPDATE and the UPDATE at line {line} writes "
        "back a value computed from it, so concurrent calls overwrite each other's change; "
        "compute the value in the UPDATE (SET {column} = {column} + ...) or select FOR UPDATE "
        "inside a transaction"
    )

    def check(self, module: ModuleContext) -> Iterator[Finding]:
        source = module.source
        if ("UPDATE" not in source and "update " not in source) or UPDATE_TEXT.search(source) is None:
            return
        candidates = {f.line for f in module.functions() if f.name != "<module>" and self.may_read_and_update(f)}
        if not candidates or is_test_path(module.relative_path) or is_migration_path(module.path):
            return
        for node in function_nodes(module.tree, candidates):
            yield from self.check_function(module, node)

    @staticmethod
    def may_read_and_update(function: FunctionSummary) -> bool:
        """Return True when the function runs SQL text twice or more: a select and an update."""
        return sum(1 for call in function.calls if call.text.rpartition(".")[2] in RUNS_SQL) >= 2

    def check_function(self, module: ModuleContext, function: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterator[Finding]:
        if self.takes_lock(function):
            return
        # Simple statements only: a compound one's body statements come on their own.
        statements = sorted(
            (n for n in scope_nodes(function.body) if isinstance(n, SIMPLE_STATEMENTS)),
            key=lambda n: (n.lineno, n.col_offset),
        )
        last: _Read | None = None  # the last unlocked SELECT, whose rows the next fetch returns
        reads: list[_Read] = []
        for statement in statements:
            for call in self.sql_calls(statement):
                sql = sql_text(call)
                assert sql is not None
                selected = SELECT.match(sql)
                if selected:
                    last = _Read(statement, _table(selected.group("table")), set())
                    reads.append(last)
                    if isinstance(statement, (ast.Assign, ast.AnnAssign)):
                        last.names |= _bound_names(statement)  # value = conn.execute(text("SELECT ...")).scalar()
                    continue
                updated = UPDATE.match(sql)
                if not updated:
                    continue
                columns = _overwritten_columns(updated.group("assignments"))
                parameters = {n.id for argument in call.args[1:] for n in ast.walk(argument) if isinstance(n, ast.Name)}
                parameters |= {n.id for k in call.keywords for n in ast.walk(k.value) if isinstance(n, ast.Name)}
                for read in reads:
                    if columns and read.table == _table(updated.group("table")) and read.names & parameters:
                        message = self.MESSAGE.format(table=read.table, line=call.lineno, column=columns[0])
                        yield module.finding(self.code, message, read.statement.lineno, read.statement.col_offset)
                        return
            if last is not None and isinstance(statement, (ast.Assign, ast.AnnAssign)) and self.fetches(statement):
                last.names |= _bound_names(statement)

    @staticmethod
    def sql_calls(statement: ast.stmt) -> list[ast.Call]:
        """Return the calls in a simple statement that run SQL text, in source order."""
        found = [
            node
            for node in [statement, *walk_scope(statement)]
            if isinstance(node, ast.Call) and callee_name(node.func) in RUNS_SQL and sql_text(node) is not None
        ]
        return sorted(found, key=lambda call: (call.lineno, call.col_offset))

    @staticmethod
    def fetches(statement: ast.Assign | ast.AnnAssign) -> bool:
        value = statement.value
        return value is not None and any(
            isinstance(node, ast.Call) and callee_name(node.func) in FETCHES for node in [value, *walk_scope(value)]
        )

    @staticmethod
    def takes_lock(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
        """Return True when the function locks anywhere: locking SQL, a lock call or ``with <lock>:``."""
        for node in scope_nodes(function.body):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL_LOCKS.search(node.value):
                return True
            if isinstance(node, ast.Call) and callee_name(node.func) and is_lock_name(callee_name(node.func)):
                return True
            if isinstance(node, (ast.With, ast.AsyncWith)) and any(takes_lock(item) for item in node.items):
                return True
        return False

    VALID = [
        # The database computes the new value.
        "from django.db import connection\n\n"
        "def count_download(file_id):\n"
        "    with connection.cursor() as cursor:\n"
        "        cursor.execute('SELECT downloads FROM files WHERE id = %s', [file_id])\n"
        "        (downloads,) = cursor.fetchone()\n"
        "        cursor.execute('UPDATE files SET downloads = downloads + 1 WHERE id = %s', [file_id])\n",
        # The row is selected FOR UPDATE, so the next caller waits for the commit.
        "def withdraw(conn, account_id, amount):\n"
        "    with conn.begin():\n"
        "        balance = conn.execute(text('SELECT balance FROM accounts WHERE id = :id FOR UPDATE'), {'id': account_id}).scalar()\n"
        "        conn.execute(text('UPDATE accounts SET balance = :b WHERE id = :id'), {'b': balance - amount, 'id': account_id})\n",
        # The value read goes to another table.
        "def archive(cursor, order_id):\n"
        "    cursor.execute('SELECT total FROM orders WHERE id = %s', [order_id])\n"
        "    (total,) = cursor.fetchone()\n"
        "    cursor.execute('UPDATE reports SET last_total = %s', [total])\n",
    ]
    INVALID = [
        "def count_download(cursor, file_id):\n"
        "    cursor.execute('SELECT downloads FROM files WHERE id = %s', [file_id])  # OPS208\n"
        "    (downloads,) = cursor.fetchone()\n"
        "    cursor.execute('UPDATE files SET downloads = %s WHERE id = %s', [downloads + 1, file_id])\n",
        # SQLAlchemy text() with a scalar read in one statement.
        "from sqlalchemy import text\n\n"
        "def withdraw(conn, account_id, amount):\n"
        "    balance = conn.execute(text('SELECT balance FROM accounts WHERE id = :id'), {'id': account_id}).scalar()  # OPS208\n"
        "    if balance < amount:\n"
        "        raise ValueError('insufficient funds')\n"
        "    conn.execute(text('UPDATE accounts SET balance = :b WHERE id = :id'), {'b': balance - amount, 'id': account_id})\n",
        # asyncpg.
        "async def reserve(pool, sku, quantity):\n"
        "    async with pool.acquire() as conn:\n"
        "        left = await conn.fetchval('SELECT stock FROM items WHERE sku = $1', sku)  # OPS208\n"
        "        await conn.execute('UPDATE items SET stock = $1 WHERE sku = $2', left - quantity, sku)\n",
    ]


def _bound_names(statement: ast.Assign | ast.AnnAssign) -> set[str]:
    """Return the names an assignment binds, unpacked tuples included."""
    targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
    return {node.id for target in targets for node in ast.walk(target) if isinstance(node, ast.Name)}
