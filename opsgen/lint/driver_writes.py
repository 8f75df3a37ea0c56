"""SQL text written through raw database drivers, grouped into the transactions it commits in.

asyncpg and encode/databases commit every statement run outside ``conn.transaction()`` on
its own. psycopg 3, psycopg2, sqlite3 and aiosqlite do so in autocommit mode
(``psycopg.connect(dsn, autocommit=True)``, ``conn.autocommit = True``,
``sqlite3.connect(path, isolation_level=None)``). Otherwise they open a transaction with
the first statement and end it at ``commit()``, so a ``commit()`` after each write also
makes each write a transaction of its own.

The connections are recognised by the call that opens them, through the module's imports,
and by parameter annotations. A write is an ``execute()`` (or ``fetch*()``) whose first
argument is SQL text starting with INSERT, UPDATE, DELETE, REPLACE or MERGE, a name bound
to such text, or a SQLAlchemy Core ``insert()``/``update()``/``delete()`` statement.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Union

from opsgen.lint.autocommit_connections import DML_BUILDERS, SQL_WRITES
from opsgen.lint.orm import callee_name
from opsgen.lint.summary import dotted_text

#: Remedies, by driver, for writes that commit separately.
REMEDIES = {
    "asyncpg": "run them in one async with conn.transaction(): block",
    "databases": "run them in one async with database.transaction(): block",
    "psycopg": "run them in one with conn.transaction(): block (async with for an AsyncConnection)",
    "psycopg2": "run them in one with conn: block (psycopg2 2.9 and later begin a transaction there even in autocommit mode)",
    # With isolation_level=None, sqlite3's commit() has no transaction to end.
    "sqlite": 'run them between execute("BEGIN") and execute("COMMIT"), rolling back on an error',
}
#: Calls that open a connection (or a pool or database whose statements run like one), by
#: qualified name: the driver, and whether every statement commits on its own by default.
CONNECTORS: dict[str, tuple[str, bool]] = {
    "asyncpg.connect": ("asyncpg", True),
    "asyncpg.create_pool": ("asyncpg", True),
    "asyncpg.Pool": ("asyncpg", True),
    "databases.Database": ("databases", True),
    "psycopg.connect": ("psycopg", False),
    "psycopg.Connection.connect": ("psycopg", False),
    "psycopg.AsyncConnection.connect": ("psycopg", False),
    "psycopg_pool.ConnectionPool": ("psycopg", False),
    "psycopg_pool.AsyncConnectionPool": ("psycopg", False),
    "psycopg2.connect": ("psycopg2", False),
    "sqlite3.connect": ("sqlite", False),
    "aiosqlite.connect": ("sqlite", False),
}
#: Annotations of parameters that are such connections.
ANNOTATIONS: dict[str, tuple[str, bool]] = {
    "asyncpg.Connection": ("asyncpg", True),
    "asyncpg.Pool": ("asyncpg", True),
    "asyncpg.pool.Pool": ("asyncpg", True),
    "asyncpg.connection.Connection": ("asyncpg", True),
    "asyncpg.pool.PoolConnectionProxy": ("asyncpg", True),
    "databases.Database": ("databases", True),
    "databases.core.Database": ("databases", True),
    "databases.core.Connection": ("databases", True),
    "psycopg.Connection": ("psycopg", False),
    "psycopg.AsyncConnection": ("psycopg", False),
    "sqlite3.Connection": ("sqlite", False),
    "aiosqlite.Connection": ("sqlite", False),
}
#: Packages whose import makes a module worth scanning.
PACKAGES = frozenset(name.partition(".")[0] for name in [*CONNECTORS, *ANNOTATIONS])
#: Methods that run a statement, on a connection, pool, database or cursor.
RUN_METHODS = frozenset(
    {"execute", "executemany", "execute_many", "fetch", "fetchrow", "fetchval", "fetch_one", "fetch_all", "fetch_val"}
)
#: Calls that wrap SQL text: SQLAlchemy's ``text()`` and psycopg's ``sql.SQL()``.
TEXT_WRAPPERS = frozenset({"text", "SQL"})
#: Drivers whose every connection commits each statement on its own. In a module that
#: imports one of them and no other driver, an awaited ``execute()`` of SQL text that writes
#: is taken to run on its connection, whatever the receiver: ``request.app["pool"]``.
ALWAYS_AUTOCOMMIT = frozenset({"asyncpg", "databases"})
#: Methods that hand out a connection or cursor of the same driver and mode.
CHILD_METHODS = frozenset({"acquire", "connection", "cursor", "getconn"})
#: The first words of SQL text that start and end a transaction by hand.
SQL_BEGINS = ("BEGIN", "START TRANSACTION")
SQL_COMMITS = ("COMMIT", "END")

Qualify = dict[str, str]
Scope = Union[ast.FunctionDef, ast.AsyncFunctionDef]


@dataclass
class Connection:
    driver: str
    autocommit: bool
    #: True between ``execute("BEGIN")`` and ``execute("COMMIT")`` on an autocommit connection.
    begun: bool = False


@dataclass(frozen=True)
class Event:
    """A write or a commit on the path the function takes."""

    call: ast.Call
    driver: str
    kind: str  # "commit", "write" (committed by a later commit()) or "autocommit" (committed alone)
    in_loop: bool


@dataclass
class _Walk:
    imports: Qualify
    texts: dict[str, bool]
    connections: dict[str, Connection] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    #: The connection that an awaited statement on an unknown receiver runs on, if any.
    fallback: Connection | None = None


def qualify(node: ast.expr, imports: Qualify) -> str:
    """Return ``node``'s dotted name with its first part replaced by what the module imported."""
    text = dotted_text(node)
    head, dot, rest = text.partition(".")
    return imports[head] + dot + rest if head in imports else text


def is_write_text(node: ast.expr, texts: dict[str, bool]) -> bool:
    """Return True for SQL text that changes rows, a name bound to such text, or a Core DML statement."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.lstrip().upper().startswith(SQL_WRITES)
    if isinstance(node, ast.JoinedStr) and node.values:
        return is_write_text(node.values[0], texts)
    if isinstance(node, ast.Name):
        return texts.get(node.id, False)
    while isinstance(node, (ast.Call, ast.Attribute)):
        if isinstance(node, ast.Call):
            if callee_name(node.func) in DML_BUILDERS:
                return True
            if callee_name(node.func) in TEXT_WRAPPERS and node.args:
                return is_write_text(node.args[0], texts)  # text("UPDATE ..."), sql.SQL("INSERT ...")
            node = node.func
        else:
            node = node.value
    # "INSERT INTO {} ...".format(table) leaves the text itself at the end of the chain.
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.lstrip().upper().startswith(SQL_WRITES)


def bound_texts(body: list[ast.stmt], texts: dict[str, bool]) -> dict[str, bool]:
    """Return the names that ``body``'s plain assignments bind, and whether each is SQL write text."""
    found = dict(texts)
    for statement in body:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name):
            found[statement.targets[0].id] = is_write_text(statement.value, found)
    return found


def _opened(value: ast.expr, walk: _Walk) -> Connection | None:
    """Return the connection that ``value`` opens or hands out, if it is one."""
    node = value.value if isinstance(value, ast.Await) else value
    if not isinstance(node, ast.Call):
        return None
    if isinstance(node.func, ast.Attribute) and node.func.attr in CHILD_METHODS:
        parent = walk.connections.get(dotted_text(node.func.value))
        if parent is not None:
            return Connection(parent.driver, parent.autocommit)
    known = CONNECTORS.get(qualify(node.func, walk.imports))
    if known is None:
        return None
    driver, autocommit = known
    for keyword in node.keywords:
        value_node = keyword.value
        if keyword.arg == "autocommit" and isinstance(value_node, ast.Constant) and value_node.value is True:
            autocommit = True
        if keyword.arg == "isolation_level" and isinstance(value_node, ast.Constant) and value_node.value is None:
            autocommit = True  # sqlite3 leaves each statement to commit on its own
    return Connection(driver, autocommit)


def _sets_autocommit(node: ast.AST, walk: _Walk) -> None:
    """Switch a known connection to autocommit mode: ``conn.autocommit = True``,
    ``conn.set_autocommit(True)``, ``conn.set_session(autocommit=True)`` or sqlite3's
    ``conn.isolation_level = None``."""
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Attribute):
        target = node.targets[0]
        value = node.value
        switched = (target.attr == "autocommit" and isinstance(value, ast.Constant) and value.value is True) or (
            target.attr == "isolation_level" and isinstance(value, ast.Constant) and value.value is None
        )
        connection = walk.connections.get(dotted_text(target.value))
        if switched and connection is not None:
            connection.autocommit = True
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        connection = walk.connections.get(dotted_text(node.func.value))
        if connection is None:
            return
        first = node.args[0] if node.args else None
        if node.func.attr == "set_autocommit" and isinstance(first, ast.Constant) and first.value is True:
            connection.autocommit = True
        elif node.func.attr == "set_isolation_level" and first is not None and _names_autocommit_level(first):
            connection.autocommit = True
        elif node.func.attr == "set_session" and any(k.arg == "autocommit" and isinstance(k.value, ast.Constant) and k.value.value is True for k in node.keywords):
            connection.autocommit = True


def _names_autocommit_level(node: ast.expr) -> bool:
    """Return True for psycopg2's ``ISOLATION_LEVEL_AUTOCOMMIT``, by name or as its value 0."""
    if isinstance(node, ast.Constant):
        return type(node.value) is int and node.value == 0
    return dotted_text(node).rpartition(".")[2] == "ISOLATION_LEVEL_AUTOCOMMIT"


def _opens_transaction(item: ast.withitem, walk: _Walk) -> bool:
    """Return True for ``with conn.transaction():`` on any object, or psycopg2's ``with conn:``."""
    expr = item.context_expr
    if isinstance(expr, ast.Call) and callee_name(expr.func) in ("transaction", "atomic"):
        return True
    connection = walk.connections.get(dotted_text(expr))
    return connection is not None and connection.driver == "psycopg2"


def _visit_calls(node: ast.AST, walk: _Walk, in_loop: bool) -> None:
    """Record the writes and commits among the calls of one statement (not nested bodies)."""
    calls = [node] if isinstance(node, ast.Call) else []
    calls += [child for child in ast.walk(node) if isinstance(child, ast.Call) and child is not node]
    awaited = {id(child.value) for child in ast.walk(node) if isinstance(child, ast.Await)}
    for call in sorted(calls, key=lambda c: (c.lineno, c.col_offset)):
        _sets_autocommit(call, walk)
        if not isinstance(call.func, ast.Attribute):
            continue
        connection = walk.connections.get(dotted_text(call.func.value))
        if connection is None and id(call) in awaited:
            connection = walk.fallback
            if connection is None and dotted_text(call.func.value).rpartition(".")[2] == "database":
                connection = Connection("databases", True)  # from app.db import database, as the databases docs name it
        if connection is None:
            continue
        method = call.func.attr
        if method == "commit" and not connection.autocommit:
            walk.events.append(Event(call, connection.driver, "commit", in_loop))
        elif method in RUN_METHODS:
            query = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg in ("query", "sql")), None)
            command = _sql_command(query)
            if connection.autocommit and command.startswith(SQL_BEGINS):
                connection.autocommit, connection.begun = False, True
            elif connection.begun and command.startswith(SQL_COMMITS):
                walk.events.append(Event(call, connection.driver, "commit", in_loop))
                connection.autocommit, connection.begun = True, False
            elif query is not None and is_write_text(query, walk.texts):
                kind = "autocommit" if connection.autocommit else "write"
                walk.events.append(Event(call, connection.driver, kind, in_loop))


def _sql_command(query: ast.expr | None) -> str:
    """Return the upper-cased SQL text of a literal query, or "" for anything else."""
    if isinstance(query, ast.Constant) and isinstance(query.value, str):
        return query.value.lstrip().upper()
    return ""


def _visit_body(body: list[ast.stmt], walk: _Walk, in_loop: bool) -> None:
    """Record the events of ``body`` in order, on its heaviest path, skipping transaction blocks."""
    for statement in body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        if isinstance(statement, (ast.With, ast.AsyncWith)):
            if any(_opens_transaction(item, walk) for item in statement.items):
                continue  # the writes inside commit together
            for item in statement.items:
                _visit_calls(item.context_expr, walk, in_loop)
                opened = _opened(item.context_expr, walk)
                if opened is not None and isinstance(item.optional_vars, ast.Name):
                    walk.connections[item.optional_vars.id] = opened
            _visit_body(statement.body, walk, in_loop)
        elif isinstance(statement, (ast.For, ast.AsyncFor, ast.While)):
            _visit_calls(statement.iter if isinstance(statement, (ast.For, ast.AsyncFor)) else statement.test, walk, in_loop)
            _visit_body(statement.body, walk, True)
        elif isinstance(statement, ast.If):
            _visit_calls(statement.test, walk, in_loop)
            arms = []
            for arm in (statement.body, statement.orelse):
                copies = {name: Connection(c.driver, c.autocommit) for name, c in walk.connections.items()}
                branch = _Walk(walk.imports, walk.texts, copies, fallback=walk.fallback)
                _visit_body(arm, branch, in_loop)
                arms.append(branch)
            heaviest = max(arms, key=lambda branch: len(branch.events))
            walk.events += heaviest.events
            walk.connections.update(heaviest.connections)
        elif isinstance(statement, ast.Try):
            # A write in an except handler records a failure on purpose, so handlers are left out.
            _visit_body(statement.body, walk, in_loop)
            _visit_body(statement.orelse, walk, in_loop)
            _visit_body(statement.finalbody, walk, in_loop)
        else:
            _visit_calls(statement, walk, in_loop)
            if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name):
                name = statement.targets[0].id
                opened = _opened(statement.value, walk)
                if opened is not None:
                    walk.connections[name] = opened
                else:
                    walk.connections.pop(name, None)
                walk.texts[name] = is_write_text(statement.value, walk.texts)
            _sets_autocommit(statement, walk)


def module_connections(tree: ast.Module, imports: Qualify) -> dict[str, Connection]:
    """Return the module-level names bound to a connection, pool or database."""
    walk = _Walk(imports, {})
    for statement in tree.body:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name):
            opened = _opened(statement.value, walk)
            if opened is not None:
                walk.connections[statement.targets[0].id] = opened
        _sets_autocommit(statement, walk)
    return walk.connections


def attribute_connections(tree: ast.Module, imports: Qualify) -> dict[int, dict[str, Connection]]:
    """Return, by the line of each method, the connections that its class keeps on ``self``.

    ``self.conn = psycopg.connect(dsn)`` in any method of a module-level class binds
    ``self.conn`` in all of them, and ``self.conn.autocommit = True`` there switches it to
    autocommit mode.
    """
    found: dict[int, dict[str, Connection]] = {}
    for klass in tree.body:
        if not isinstance(klass, ast.ClassDef):
            continue
        methods = [item for item in klass.body if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))]
        walk = _Walk(imports, {})
        for method in methods:
            for node in ast.walk(method):
                if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Attribute):
                    target = node.targets[0]
                    if isinstance(target.value, ast.Name) and target.value.id == "self":
                        opened = _opened(node.value, walk)
                        if opened is not None:
                            walk.connections.setdefault(dotted_text(target), opened)
        if not walk.connections:
            continue
        for method in methods:
            for node in ast.walk(method):
                if isinstance(node, (ast.Assign, ast.Call)):
                    _sets_autocommit(node, walk)
        for method in methods:
            # A copy each, because a method's own walk may switch a connection to autocommit.
            found[method.lineno] = {name: Connection(c.driver, c.autocommit) for name, c in walk.connections.items()}
    return found


def factory_connection(tree: ast.Module, imports: Qualify) -> Connection | None:
    """Return the kind of connection that the module's factory functions return, when they
    all return one of the same driver and mode (``def connect(path): conn =
    sqlite3.connect(path, isolation_level=None); ...; return conn``), else None."""
    kinds: set[tuple[str, bool]] = set()
    for node in tree.body:
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        walk = _Walk(imports, {})
        for statement in node.body:
            if isinstance(statement, ast.Return) and statement.value is not None:
                opened = _opened(statement.value, walk) or walk.connections.get(dotted_text(statement.value))
                if opened is not None:
                    kinds.add((opened.driver, opened.autocommit))
            elif isinstance(statement, ast.Assign) and len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name):
                opened = _opened(statement.value, walk)
                if opened is not None:
                    walk.connections[statement.targets[0].id] = opened
            _sets_autocommit(statement, walk)
    if len(kinds) != 1:
        return None
    driver, autocommit = kinds.pop()
    return Connection(driver, autocommit)


def _parameter_connections(function: Scope, imports: Qualify, default: Connection | None) -> dict[str, Connection]:
    """Return the parameters that are connections: by annotation, or, with a ``default``
    from the module's connection factory, every parameter without one."""
    found = {}
    arguments = function.args
    for argument in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]:
        if argument.annotation is not None:
            known = ANNOTATIONS.get(qualify(argument.annotation, imports))
            if known is not None:
                found[argument.arg] = Connection(*known)
        elif default is not None and argument.arg not in ("self", "cls"):
            found[argument.arg] = Connection(default.driver, default.autocommit)
    return found


def transactions(
    function: Scope, imports: Qualify, connections: dict[str, Connection], texts: dict[str, bool], factory: Connection | None = None
) -> list[Event]:
    """Return the first write of each transaction that ``function``'s driver writes commit in.

    A write on an autocommit connection is a transaction of its own, and so is each group
    of writes that a ``commit()`` ends. A function decorated with a ``transaction()`` or
    ``atomic()`` call runs in one transaction and has none of its own, and one that starts
    a transaction object by hand (``tr = conn.transaction()``) is not checked. On an
    autocommit connection, ``execute("BEGIN")`` starts a transaction that
    ``execute("COMMIT")`` ends. ``factory`` is the connection that the module's factory
    functions return: a parameter without annotation is taken to be one.
    """
    if any(isinstance(d, ast.Call) and callee_name(d.func) in ("transaction", "atomic") for d in function.decorator_list):
        return []
    for node in ast.walk(function):
        value = node.value.value if isinstance(node, ast.Assign) and isinstance(node.value, ast.Await) else getattr(node, "value", None)
        if isinstance(node, ast.Assign) and isinstance(value, ast.Call) and callee_name(value.func) == "transaction":
            return []  # tr = conn.transaction(); await tr.start(): the boundaries are not followed
    walk = _Walk(imports, dict(texts), {**connections, **_parameter_connections(function, imports, factory)})
    drivers = {target.partition(".")[0] for target in imports.values()} & PACKAGES
    if len(drivers) == 1 and drivers <= ALWAYS_AUTOCOMMIT:
        walk.fallback = Connection(drivers.pop(), True)
    _visit_body(function.body, walk, False)
    starts: list[Event] = []
    pending: Event | None = None
    for event in walk.events:
        if event.kind == "commit":
            if pending is not None:
                starts.append(Event(pending.call, pending.driver, "write", event.in_loop and pending.in_loop))
            pending = None
        elif event.kind == "autocommit":
            starts.append(event)
        elif pending is None:
            pending = event
    return starts


#: MongoDB collection methods that change documents, in PyMongo and Motor.
MONGO_WRITES = frozenset(
    {
        "insert_one", "insert_many", "update_one", "update_many", "replace_one", "delete_one",
        "delete_many", "find_one_and_update", "find_one_and_replace", "find_one_and_delete", "bulk_write",
    }
)  # fmt: skip
#: MongoDB collection methods that only delete documents.
MONGO_DELETES = frozenset({"delete_one", "delete_many", "find_one_and_delete"})
#: Packages of MongoDB clients.
MONGO_PACKAGES = frozenset({"pymongo", "motor"})


def is_mongo_write(target: str, text: str, keywords: list[str], module_packages: set[str]) -> bool:
    """Return True for a MongoDB collection write that runs in no session: each such write
    commits on its own. A write given ``session=`` runs in that session's transaction.

    The collection is recognised by the call's resolved ``target``
    (``pymongo.MongoClient().shop.orders.update_one``), or by the method alone in a module
    that imports a MongoDB client."""
    method = text.rpartition(".")[2]
    if method not in MONGO_WRITES or "session" in keywords or "." not in text:
        return False
    return target.partition(".")[0] in MONGO_PACKAGES or bool(module_packages & MONGO_PACKAGES)
