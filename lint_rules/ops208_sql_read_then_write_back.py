"""OPS208: a value read with a SQL SELECT and written back with an UPDATE computed in Python."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from opsgen.lint.orm import (
    callee_name,
    is_lock_name,
    is_migration_path,
    is_test_path,
    runs_in_pipeline,
    scope_nodes,
    takes_lock,
)
from opsgen.lint.rule import Finding, ModuleContext, Rule, walk_scope
from opsgen.lint.sql_writes import PythonWrite, declared_tables, in_database, python_writes, same_table
from opsgen.lint.summary import FunctionSummary, function_nodes

#: ``SELECT <columns> FROM <table>``, with the table's name.
SELECT = re.compile(r"^\s*select\b(?P<columns>.*?)\bfrom\s+(?P<table>[\w.\"`]+)", re.IGNORECASE | re.DOTALL)
#: ``UPDATE <table> SET <assignments> [WHERE ...]``.
UPDATE = re.compile(r"^\s*update\s+(?P<table>[\w.\"`]+)\s+set\s+(?P<assignments>.*?)(?:\bwhere\b|\breturning\b|$)", re.IGNORECASE | re.DOTALL)
#: A ``SELECT`` anywhere in a module's text: without one there is nothing to report.
SELECT_TEXT = re.compile(r"\bselect\s", re.IGNORECASE)
#: SQL that takes a lock: a locking read, a table lock or an advisory lock.
SQL_LOCKS = re.compile(r"\bfor\s+(?:no\s+key\s+)?update\b|\block\s+table\b|advisory", re.IGNORECASE)
#: Calls that hand back the rows of the last SELECT: DB-API cursors, SQLAlchemy results, asyncpg.
FETCHES = frozenset({"fetchone", "fetchall", "fetchmany", "fetchval", "fetchrow", "fetch", "first", "one", "scalar", "scalar_one", "scalar_one_or_none", "one_or_none"})
#: Calls that run SQL text: DB-API and SQLAlchemy, asyncpg, Django's ``Manager.raw()``.
RUNS_SQL = frozenset({"execute", "exec_driver_sql", "fetchval", "fetchrow", "fetch", "scalar", "scalars", "raw"})
#: Calls that build or run an update in Python: Core's ``.values()``, a queryset's ``update()``.
BUILDS_UPDATE = frozenset({"values", "update", "aupdate"})
#: Calls that lock the rows they read.
LOCKING_CALLS = frozenset({"with_for_update", "select_for_update"})
#: A named bind parameter in SQL text: ``:balance`` or ``%(balance)s``, but not a ``::int`` cast.
BIND_PARAMETER = re.compile(r"(?<!:):\w+|%\(\w+\)s")
SIMPLE_STATEMENTS = (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Expr, ast.Return)


@dataclass
class _Read:
    """A SELECT of a table that no lock covers, and the names bound to what it returned."""

    statement: ast.stmt
    table: str
    names: set[str]


def sql_text(call: ast.Call, constants: dict[str, str] | None = None) -> str | None:
    """Return the SQL a call runs when its first argument is literal text: a string, an
    f-string (its literal parts), SQLAlchemy's ``text("...")``, or a name in ``constants``
    bound to one of those; else None."""
    if not call.args:
        return None
    argument = call.args[0]
    if isinstance(argument, ast.Name) and constants:
        return constants.get(argument.id)
    return literal_sql(argument)


def literal_sql(argument: ast.expr) -> str | None:
    """Return the SQL of a string, an f-string or ``text("...")``, else None."""
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
        value = BIND_PARAMETER.sub("?", value)  # SET balance = :balance names a parameter, not the column
        if column and not re.search(rf"\b{re.escape(column)}\b", value, re.IGNORECASE):
            columns.append(column)
    return columns


class SqlReadThenWriteBack(Rule):
    """Flags a value read with a SQL ``SELECT`` and written back by an ``UPDATE`` with a value computed in Python.

    What it does:
        Follows SQL text run through ``cursor.execute(...)``, ``session.execute(text(...))``,
        ``connection.scalar(...)``, Django's ``Model.objects.raw(...)`` and asyncpg's
        ``fetchval()``/``fetchrow()``, also when the text is bound to a name first
        (``READ = text("SELECT ...")``). Reports a ``SELECT ... FROM t`` without ``FOR
        UPDATE`` when a later write of ``t`` in the same function sets a column to a value
        computed from what the select returned: the names bound from ``fetchone()``,
        ``scalar()`` and the like, and every name assigned from an expression of those
        (``new = balance - amount``). The write is an ``UPDATE t SET c = <parameter>`` in
        SQL text, a SQLAlchemy Core ``update(t).values(c=new)`` or ``t.update()`` (with
        ``bindparam()`` values filled by ``execute()``), or a queryset's
        ``Model.objects.filter(...).update(c=new)``. The ``Table`` variable or model class
        matches the SQL table by a ``Table("t", ...)``, ``__tablename__`` or ``db_table`` in
        the module, or else by its name (``accounts`` or ``Account`` for ``accounts``,
        ``Wallet`` for Django's ``shop_wallet``). Not reported: a write that computes the
        column from itself (``SET c = c + 1``, ``values(c=t.c.c - n)``,
        ``update(c=F("c") - n)``), a function that locks first (``FOR UPDATE``, ``LOCK
        TABLE``, an advisory lock, ``with_for_update()``, ``with <lock>:``, a lock helper),
        a function that takes an opsgen ``ExecutionContext`` (it runs under the locks its
        spec declares), tests and migrations.

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
        "compute the value in the UPDATE ({remedy}) or select FOR UPDATE inside a transaction"
    )

    def check(self, module: ModuleContext) -> Iterator[Finding]:
        source = module.source
        if "update" not in source.lower() or SELECT_TEXT.search(source) is None:
            return
        candidates = {f.line for f in module.functions() if f.name != "<module>" and self.may_read_and_update(f)}
        if not candidates or is_test_path(module.relative_path) or is_migration_path(module.path):
            return
        tables = declared_tables(module.tree)
        constants = sql_constants(module.tree.body)
        for node in function_nodes(module.tree, candidates):
            yield from self.check_function(module, node, tables, constants)

    @staticmethod
    def may_read_and_update(function: FunctionSummary) -> bool:
        """Return True when the function runs SQL and then may run or build an update."""
        names = [call.text.rpartition(".")[2] for call in function.calls]
        return any(name in RUNS_SQL for name in names) and sum(1 for name in names if name in RUNS_SQL | BUILDS_UPDATE) >= 2

    def check_function(
        self, module: ModuleContext, function: ast.FunctionDef | ast.AsyncFunctionDef, tables: dict[str, str], constants: dict[str, str]
    ) -> Iterator[Finding]:
        if self.takes_lock(function) or runs_in_pipeline(function):
            return
        # Simple statements only: a compound one's body statements come on their own.
        statements = sorted(
            (n for n in scope_nodes(function.body) if isinstance(n, SIMPLE_STATEMENTS)),
            key=lambda n: (n.lineno, n.col_offset),
        )
        constants = {**constants, **sql_constants(statements)}
        last: _Read | None = None  # the last unlocked SELECT, whose rows the next fetch returns
        reads: list[_Read] = []
        bound_writes: dict[str, PythonWrite] = {}  # statement = t.update().values(c=bindparam("p"))
        for statement in statements:
            for call in self.sql_calls(statement, constants):
                sql = sql_text(call, constants)
                selected = SELECT.match(sql) if sql is not None else None
                if selected:
                    if sql is not None and SQL_LOCKS.search(sql):
                        continue  # SELECT ... FOR UPDATE, also from a constant outside the function
                    last = _Read(statement, _table(selected.group("table")), set())
                    reads.append(last)
                    if isinstance(statement, (ast.Assign, ast.AnnAssign)):
                        last.names |= _bound_names(statement)  # value = conn.execute(text("SELECT ...")).scalar()
                    continue
                found = self.sql_write_back(call, sql, reads, bound_writes, tables)
                if found is not None:
                    yield self.report(module, *found)
                    return
            found = self.python_write_back(statement, reads, bound_writes, tables)
            if found is not None:
                yield self.report(module, *found)
                return
            if isinstance(statement, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                self.follow_values(statement, last, reads)

    @staticmethod
    def sql_write_back(
        call: ast.Call, sql: str | None, reads: list[_Read], bound_writes: dict[str, PythonWrite], tables: dict[str, str]
    ) -> tuple[_Read, int, str] | None:
        """Return the read, line and remedy when a call runs an ``UPDATE`` (SQL text, or a
        Core statement bound to a name) whose parameters come from an unlocked read."""
        parameters = _argument_names(call)
        updated = UPDATE.match(sql) if sql is not None else None
        if updated:
            columns = _overwritten_columns(updated.group("assignments"))
            table = _table(updated.group("table"))
            read = next((r for r in reads if columns and r.table == table and r.names & parameters), None)
            return (read, call.lineno, in_database(None, columns[0])) if read is not None else None
        statement = call.args[0] if call.args else None
        if isinstance(statement, ast.Name) and statement.id in bound_writes:
            write = bound_writes[statement.id]
            read = next((r for r in reads if same_table(r.table, write.table, tables) and r.names & parameters), None)
            columns = write.bound_columns()
            return (read, call.lineno, in_database(write, columns[0])) if read is not None and columns else None
        return None

    def python_write_back(
        self, statement: ast.stmt, reads: list[_Read], bound_writes: dict[str, PythonWrite], tables: dict[str, str]
    ) -> tuple[_Read, int, str] | None:
        """Return the read, line and remedy when a statement builds a Core or queryset update
        that writes a value computed from an unlocked read of the same table. A Core update
        whose values are ``bindparam()`` and which is bound to a name is kept in
        ``bound_writes`` for the ``execute()`` that supplies its parameters."""
        for write in python_writes(statement):
            for read in reads:
                if not same_table(read.table, write.table, tables):
                    continue
                column = write.column_from(read.names) or self.bound_in_call(statement, write, read)
                if column is not None:
                    return read, write.line, in_database(write, column)
            if write.bound_columns() and isinstance(statement, ast.Assign):
                bound_writes.update((name, write) for name in _bound_names(statement))
        return None

    def report(self, module: ModuleContext, read: _Read, line: int, remedy: str) -> Finding:
        message = self.MESSAGE.format(table=read.table, line=line, remedy=remedy)
        return module.finding(self.code, message, read.statement.lineno, read.statement.col_offset)

    @staticmethod
    def bound_in_call(statement: ast.stmt, write: PythonWrite, read: _Read) -> str | None:
        """Return a ``bindparam`` column of a write run in the same statement with parameters
        computed from the read: ``conn.execute(t.update().values(c=bindparam("c")), {"c": new})``."""
        columns = write.bound_columns()
        if not columns:
            return None
        for node in [statement, *walk_scope(statement)]:
            if isinstance(node, ast.Call) and callee_name(node.func) == "execute" and _argument_names(node) & read.names:
                return columns[0]
        return None

    def follow_values(self, statement: ast.Assign | ast.AnnAssign | ast.AugAssign, last: _Read | None, reads: list[_Read]) -> None:
        """Add the names an assignment binds to each read whose values it is computed from:
        the rows of a fetch (``row = cursor.fetchone()``) or any expression of a read value
        (``new_balance = balance - amount``)."""
        if isinstance(statement, ast.AugAssign):
            return  # balance -= amount rebinds a name that already contains the read value
        if last is not None and self.fetches(statement):
            last.names |= _bound_names(statement)
        if statement.value is None:
            return
        used = {n.id for n in [statement.value, *walk_scope(statement.value)] if isinstance(n, ast.Name)}
        for read in reads:
            if used & read.names:
                read.names |= _bound_names(statement)

    @staticmethod
    def sql_calls(statement: ast.stmt, constants: dict[str, str]) -> list[ast.Call]:
        """Return the calls in a simple statement that run SQL, in source order: SQL text,
        or a statement built in Python and bound to a name (``conn.execute(stmt, ...)``)."""
        found = [
            node
            for node in [statement, *walk_scope(statement)]
            if isinstance(node, ast.Call)
            and callee_name(node.func) in RUNS_SQL
            and (sql_text(node, constants) is not None or (bool(node.args) and isinstance(node.args[0], ast.Name)))
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
            if isinstance(node, ast.Call) and callee_name(node.func) in LOCKING_CALLS:
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
        # Core's update() computes the new balance from the stored one.
        "from sqlalchemy import text, update\n\n"
        "def withdraw(session, accounts, account_id, amount):\n"
        "    balance = session.execute(text('SELECT balance FROM accounts WHERE id = :id'), {'id': account_id}).scalar_one()\n"
        "    if balance < amount:\n"
        "        raise ValueError('insufficient funds')\n"
        "    session.execute(update(accounts).where(accounts.c.id == account_id).values(balance=accounts.c.balance - amount))\n",
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
        # The new balance goes through a local and back with Core's update().
        "from sqlalchemy import text, update\n\n"
        "def withdraw(session, accounts, account_id, amount):\n"
        "    balance = session.execute(text('SELECT balance FROM accounts WHERE id = :id'), {'id': account_id}).scalar_one()  # OPS208\n"
        "    new_balance = balance - amount\n"
        "    session.execute(update(accounts).where(accounts.c.id == account_id).values(balance=new_balance))\n",
        # Model.objects.raw() read, queryset update() write.
        "def charge(owner_id, cost):\n"
        "    wallet = Wallet.objects.raw('SELECT id, credits FROM shop_wallet WHERE owner_id = %s', [owner_id])[0]  # OPS208\n"
        "    Wallet.objects.filter(pk=wallet.pk).update(credits=wallet.credits - cost)\n",
        # asyncpg.
        "async def reserve(pool, sku, quantity):\n"
        "    async with pool.acquire() as conn:\n"
        "        left = await conn.fetchval('SELECT stock FROM items WHERE sku = $1', sku)  # OPS208\n"
        "        await conn.execute('UPDATE items SET stock = $1 WHERE sku = $2', left - quantity, sku)\n",
    ]


def sql_constants(statements: Sequence[ast.AST]) -> dict[str, str]:
    """Return the SQL text bound to plain names: ``READ = text("SELECT ...")``."""
    constants = {}
    for statement in statements:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name):
            sql = literal_sql(statement.value)
            if sql is not None:
                constants[statement.targets[0].id] = sql
    return constants


def _argument_names(call: ast.Call) -> set[str]:
    """Return the names in a call's parameters after the first argument, the statement."""
    names = {n.id for argument in call.args[1:] for n in ast.walk(argument) if isinstance(n, ast.Name)}
    return names | {n.id for k in call.keywords for n in ast.walk(k.value) if isinstance(n, ast.Name)}


def _bound_names(statement: ast.Assign | ast.AnnAssign) -> set[str]:
    """Return the names an assignment binds, unpacked tuples included."""
    targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
    return {node.id for target in targets for node in ast.walk(target) if isinstance(node, ast.Name)}
