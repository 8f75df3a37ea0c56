"""OPS102: several writes with no transaction around them."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from opsgen.lint.analysis import Analysis
from opsgen.lint.autocommit_connections import autocommit_engines, autocommit_writes, describe, engine_executes
from opsgen.lint.batch_loops import independent_rows, resumable_batch
from opsgen.lint.driver_writes import PACKAGES as DRIVER_PACKAGES
from opsgen.lint.driver_writes import REMEDIES as DRIVER_REMEDIES
from opsgen.lint.driver_writes import (
    MONGO_DELETES,
    MONGO_WRITES,
    attribute_connections,
    bound_texts,
    factory_connection,
    is_mongo_write,
    module_connections,
    transactions,
)
from opsgen.lint.knowledge import SQL_TEXT_METHODS
from opsgen.lint.orm import module_orm
from opsgen.lint.redis_writes import may_write_twice, record_writes, redis_writes
from opsgen.lint.rule import Example, Finding, ModuleContext, Rule
from opsgen.lint.summary import CallSite, FunctionSummary, dotted_text, function_nodes

_NOT_APPLICATION_CODE = re.compile(r"(^|/)(tests?|migrations)/|(^|/)(test_[^/]*|[^/]*_tests?|conftest)\.py$")
#: Test case classes that run each test, its ``setUp()`` and the class's ``setUpTestData()``
#: inside a transaction that is rolled back afterwards. ``TransactionTestCase`` and
#: ``SimpleTestCase`` open none.
_TRANSACTIONAL_TEST_CASES = frozenset({"django.test.TestCase", "django.test.testcases.TestCase", "rest_framework.test.APITestCase"})
#: The first word of SQL text that changes rows.
_SQL_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "MERGE")


def raw_sql_writes(analysis: Analysis, function: FunctionSummary) -> list[tuple[CallSite, int]]:
    """Return the SQL writes run through Django's ``connection.cursor()`` outside the function's
    own transactions, weighted as ``write_sites()`` weighs writes. Django commits each such
    statement on its own."""
    sites = []
    for call in function.calls:
        if not (call.target or "").startswith(("django.db.connection", "django.db.connections")) or not call.text.endswith(".execute"):
            continue
        sql = call.string_args[0].lstrip().upper() if call.string_args else ""
        if sql.startswith(_SQL_WRITES) and analysis.transaction_at(function, call) is None:
            sites.append((call, 2 if call.in_loop else 1))
    return sites


def mongo_writes(module: ModuleContext, function: FunctionSummary) -> list[tuple[CallSite, int]]:
    """Return the MongoDB collection writes that run in no session transaction, weighted as
    ``write_sites()`` weighs writes. MongoDB commits each such write on its own.

    Deletes alone are left out: a cleanup of expired documents in two collections that
    fails midway leaves documents that the next run deletes.
    """
    analysis = module.analysis
    candidates = [call for call in function.calls if call.text.rpartition(".")[2] in MONGO_WRITES]
    if not candidates:
        return []
    packages = {target.partition(".")[0] for target in module.summary.imports.values()}
    sites = []
    for call in candidates:
        target = analysis.canonical(call.target or "")
        if is_mongo_write(target, call.text, call.keywords, packages) and analysis.transaction_at(function, call) is None:
            sites.append((call, 2 if call.in_loop else 1))
    if all(call.text.rpartition(".")[2] in MONGO_DELETES for call, _ in sites):
        return []
    return sites


def runs_in_test_transaction(analysis: Analysis, function: FunctionSummary) -> bool:
    """Return True for a method, or a function nested in one, of a class derived from
    Django's ``TestCase``, directly or through project classes."""
    method = function.qualname.partition(".<locals>.")[0]
    entry = analysis.index.functions.get(method)
    class_name = entry[1].class_name if entry is not None else function.class_name
    return class_name is not None and analysis.class_matches(class_name, _TRANSACTIONAL_TEST_CASES)


def called_only_from_tests(analysis: Analysis, function: FunctionSummary) -> bool:
    """Return True for a function, such as a test data factory, whose every linked caller
    is such a test method or calls it inside a transaction."""
    callers = analysis.callers().get(function.qualname, ())
    for caller, in_transaction in callers:
        entry = analysis.index.functions.get(caller)
        if not in_transaction and (entry is None or not runs_in_test_transaction(analysis, entry[1])):
            return False
    return bool(callers)


def own_commits(analysis: Analysis, function: FunctionSummary) -> list[CallSite]:
    """Return the ``commit()`` calls that each end a group of the function's own writes.

    The commits of a session count, and so do those of a SQLAlchemy connection, because
    ``with engine.connect() as conn:`` opens no transaction block of its own.
    """
    return [
        call
        for call in function.calls
        if call.session_write and call.text.endswith(".commit") and analysis.open_block(function, call.transaction) is None
    ]


def committing_helpers(analysis: Analysis, function: FunctionSummary) -> list[CallSite]:
    """Return the calls of project functions that commit writes of their own.

    ``user = create_user(email)``, whose body adds the row and commits, is one transaction,
    and a second such call, or a commit after it, is another. So is a call of an ``@atomic``
    helper, or of one whose writes all sit in its own ``with atomic():`` blocks. A call in a loop counts once,
    because each pass is a unit of work of its own, like a writing helper called per item.
    """
    found = []
    for call in function.calls:
        if call.write is not None or analysis.transaction_at(function, call) is not None:
            continue
        for link in analysis.links(function, call):
            if link.guessed or link.entry is not None or link.qualname == function.qualname:
                continue
            entry = analysis.index.functions.get(link.qualname)
            if entry is None:
                continue
            if (analysis.context(entry[1]) is None and own_commits(analysis, entry[1])) or analysis.writes_in_own_transaction(entry[1]):
                found.append(call)
                break
    return found


def block_units(analysis: Analysis, function: FunctionSummary) -> list[tuple[CallSite, int]]:
    """Return the function's own outermost transaction blocks that write, each as its first write.

    Each such block commits when it ends, so two of them, or one and a write after it, are
    separate transactions. A block inside a loop is left out: one transaction per item is
    how independent items are meant to be written. A function that already runs inside a
    transaction (``@atomic``, a request transaction) has savepoints, not blocks of its own.
    """
    if analysis.context(function) is not None:
        return []
    units = []
    for index, block in enumerate(function.transactions):
        if block.kind == "savepoint" or analysis.open_block(function, index) is not block:
            continue
        if analysis.open_block(function, block.parent) is not None:
            continue
        writes = [call for call in function.calls if (call.write is not None or _sql_text_write(call)) and _within(function, call.transaction, index)]
        if writes and not any(int(loop) < block.line for loop in writes[0].loops.split("/") if loop):
            units.append((writes[0], 1))
    return units


def _sql_text_write(call: CallSite) -> bool:
    """Return True for SQL text that changes rows run through a driver: ``conn.execute("INSERT ...")``."""
    if call.text.rpartition(".")[2] not in SQL_TEXT_METHODS or not call.string_args:
        return False
    return call.string_args[0].lstrip().upper().startswith(_SQL_WRITES)


def _unit_span(analysis: Analysis, function: FunctionSummary, write: CallSite, is_block: bool) -> tuple[int, int]:
    """Return the first and last line of a unit: the outermost transaction block around the
    write (as :meth:`ForgottenTransaction.block_start` finds it), or the write."""
    if not is_block:
        return write.line, write.end_line
    block = analysis.open_block(function, write.transaction) or function.transactions[write.transaction]
    outer = analysis.open_block(function, block.parent)
    while outer is not None:
        block = outer
        outer = analysis.open_block(function, block.parent)
    return block.line, block.end_line


def split_at_effect(
    module: ModuleContext, function: FunctionSummary, units: list[tuple[CallSite, int]], blocks: list[tuple[CallSite, int]]
) -> list[tuple[CallSite, int]]:
    """Return the first run of ``units`` that no side effect separates and that still has
    two writes and a block, or the last run when none has.

    When rows are claimed in one block, a file is uploaded after COMMIT and the rows are
    then marked done, the split is deliberate, because one transaction around the three
    would hold the upload inside it (OPS101). An effect counts when the function calls it,
    or a helper reaches it, outside any transaction of its own and between the end of one
    unit and the start of the next.
    """
    if len(units) < 2:
        return units
    analysis = module.analysis
    spans = sorted(((_unit_span(analysis, function, call, (call, weight) in blocks), call, weight) for call, weight in units), key=lambda item: item[0])
    effects = [
        call.line
        for call in function.calls
        if spans[0][0][1] < call.line < spans[-1][0][0]
        and analysis.transaction_at(function, call) is None
        and analysis.call_reach(module.summary, function, call) is not None
    ]
    if not effects:
        return units
    runs: list[list[tuple[CallSite, int]]] = [[]]
    for index, ((_, end), call, weight) in enumerate(spans):
        runs[-1].append((call, weight))
        following = spans[index + 1][0][0] if index + 1 < len(spans) else None
        if following is not None and any(end < line < following for line in effects):
            runs.append([])
    for run in runs:
        if sum(weight for _, weight in run) >= 2 and any(unit in blocks for unit in run):
            return run
    return runs[-1]


def transaction_style(module: ModuleContext, function: FunctionSummary, helpers: list[CallSite]) -> str:
    """Return the database library whose transaction the remedy names: ``flask-sqlalchemy``,
    ``sqlalchemy``, ``peewee``, ``tortoise``, ``django`` or ``other``.

    The writes decide first: a write or commit through ``db.session``, here or in a helper
    that commits, is Flask-SQLAlchemy's, and any other session write or commit is
    SQLAlchemy's. Otherwise the module's imports decide, and Django is the default because
    its model writes name no session.
    """
    analysis = module.analysis
    texts = [call.text for call in function.calls]
    for helper in helpers:
        for link in analysis.links(function, helper):
            entry = analysis.index.functions.get(link.qualname)
            if entry is not None:
                texts += [call.text for call in entry[1].calls]
    packages = {target.partition(".")[0] for target in module.summary.imports.values()}
    if "flask_sqlalchemy" in packages or any(text.startswith("db.session.") for text in texts):
        return "flask-sqlalchemy"
    session_writes = any(call.session_write or call.write in ("session", "flush") for call in function.calls)
    if session_writes or module_orm(module.summary.imports) == "sqlalchemy":
        return "sqlalchemy"
    if packages & {"peewee", "playhouse"}:
        return "peewee"
    # Django's model classes have no awaitable create(), so await Order.create(...) is Tortoise's.
    if "tortoise" in packages or any(call.awaited and analysis.class_write(call) for call in function.calls):
        return "tortoise"
    if "pony" in packages:
        return "other"
    return "django"


def _within(function: FunctionSummary, index: int, block: int) -> bool:
    """Return True when the block at ``index`` is ``block`` or lies inside it."""
    while index >= 0:
        if index == block:
            return True
        index = function.transactions[index].parent
    return False


class ForgottenTransaction(Rule):
    """Flags a function that makes two or more writes with no transaction around them.

    What it does:
        Reports a function that saves, creates, deletes or bulk-updates rows two or more
        times (the user manager's ``create_user()`` and ``create_superuser()`` create one)
        when neither the function nor any of its callers opens a transaction, or
        that commits its session writes in two or more transactions (a ``commit()`` in a
        loop commits once per pass). A write in a loop counts as several, and a call of a
        helper that writes as one. SQL text that writes (``INSERT``, ``UPDATE``,
        ``DELETE``) run through Django's ``connection.cursor()`` counts as a write, since
        Django commits each statement on its own. So do the writes that a peewee or Tortoise
        ORM model class makes itself (``User.create(...)``, ``Order.bulk_create([...])``,
        ``Tweet.delete().where(...).execute()``). A call of a project function that commits
        its own writes counts as one transaction (an ``@atomic`` helper, or one whose writes
        all sit in its own ``with atomic():`` blocks, included), and so does each
        ``commit()`` of a session or of a SQLAlchemy connection (``with engine.connect() as
        conn:``).
        A loop whose every iteration makes a single ``delete()`` or a single call of a
        writing helper handles independent items (a cleanup job, one mail per recipient)
        and is not reported. Neither is a sweep: a loop whose every pass saves its own row
        once, with a field changed that the loop's query selects the rows by, when no
        lookup of the query compares with a value the function is given (``for r in
        Reminder.objects.filter(sent_at=None): r.sent_at = now(); r.save()``). A failure
        midway leaves each row done or still selected, and the next run finishes the job.
        ``filter(month=month, closed=False)`` gathers the rows of one month instead, whose
        change is one change. Nor is a loop of independent rows, whose every pass makes one
        write of the row its own item names, with values computed from that item alone: a
        ``save()`` of the item (``order.total = order.line_sum; order.save()``), an
        ``update_or_create()`` or ``get_or_create()`` whose lookup reads the item (an
        import upserting by SKU), or ``filter(pk=item.pk).update(...)``. A partial run
        leaves each row correct or as it was, and a second run writes the same values. A
        value that reads the field it replaces (``price = price * 2``, ``F("balance") +
        n``), a parameter of the function or a name bound outside the loop (a rate, a
        position from ``enumerate()``, a running total) or a constant (``closed = True``)
        makes the rows one change, and the loop is reported; an upsert's defaults may be
        constants. Nor is a write in a loop block that ends in ``break`` or
        ``return``, which runs once. Writes in different arms of an ``if``, or in
        different handlers (or a handler and the ``else``) of a ``try``, exclude each
        other. A ``save()`` with keywords that Django's ``save()`` does not take (an
        image written to a stream) is not a write, unless it is a serializer's
        (``serializer.save(author=user)`` writes a row). Neither is a ``save()`` of a row
        the function created just before (``row, _ = Model.objects.get_or_create(...)``,
        then ``row.save()``), or of one that a project function created, returned and
        wrote nothing else for (``profile = get_profile(user)``): a failure between
        leaves the row as it was created. A
        serializer's ``create()``, ``update()`` or ``save()`` override counts as called
        from every ``serializer.save()`` in the project, which is how the framework runs
        it. A queryset of a related manager writes too: ``order.lines.all().delete()``, and
        so do ``add()``, ``remove()``, ``set()``, ``clear()``, ``update()`` and ``create()``
        of a related manager (``team.members.add(user)``, ``thread.posts.update(...)``) on
        an object whose model the linter can name.
        A model's ``save()`` override, or a save receiver, that writes twice is reported
        unless a caller that the linter links to it has a transaction open: Django's own
        ``save()`` opens none. For the same reason a ``save()`` or ``create()`` (also
        ``create_user()``) whose ``pre_save`` or ``post_save`` receiver writes rows of its
        own counts as two writes. A delete's receivers do not add to it, since Django runs
        ``pre_delete`` and ``post_delete`` inside the delete's atomic block.
        Django writes to a database that the ``atomic()`` block or ``@atomic`` decorator
        around them does not open (``Entry.objects.using("ledger").create(...)`` inside
        ``with atomic():``) count as outside it, with ``atomic(using=...)`` as the remedy.
        Two transaction blocks of the function's own that both write (``with
        transaction.atomic():``, ``with Session.begin():``, or a driver's ``with
        conn.transaction():`` around SQL text that writes), or one and a write after it,
        also commit separately. A block inside a loop (one transaction per item) and a write
        in an ``except`` handler (a failure recorded outside the rolled-back block) do not
        count for this. Neither does a split around a side effect called between two such
        units (rows claimed in a block, a file uploaded after COMMIT, the rows marked done),
        since one transaction around them would hold the effect inside it.
        A SQLAlchemy connection in AUTOCOMMIT isolation commits each statement on its own,
        even inside ``conn.begin()``: two ``execute()`` calls of an INSERT, UPDATE or DELETE
        on it are reported. The isolation level is read from ``create_engine(...,
        isolation_level="AUTOCOMMIT")`` and ``engine.execution_options(...)`` at module
        level, and from ``execution_options(isolation_level="AUTOCOMMIT")`` on the
        connection or the ``connect()`` call in the function. So is SQLAlchemy 1.x's
        ``Engine.execute()`` (``engine.execute(...)``, Flask-SQLAlchemy's
        ``db.engine.execute(...)``), which commits each statement on a connection of its own.
        Raw drivers: asyncpg and ``databases`` commit each statement run outside
        ``conn.transaction()`` on its own, and so do psycopg 3, psycopg2, sqlite3 and
        aiosqlite in autocommit mode (``psycopg.connect(dsn, autocommit=True)``,
        ``conn.autocommit = True``, ``conn.set_session(autocommit=True)``,
        ``set_isolation_level(ISOLATION_LEVEL_AUTOCOMMIT)``, ``isolation_level=None``). Two
        ``execute()`` calls of SQL text that writes (or of a name bound to it, or of a Core
        ``insert()``) on such a connection are reported, as are writes that a ``commit()``
        after each splits into two or more transactions. A connection passed in as a
        parameter without annotation is taken to be of the kind that the module's factory
        functions return, when they all return one kind (``def connect(path): return
        sqlite3.connect(path, isolation_level=None)``). On an autocommit connection,
        ``execute("BEGIN")`` starts a transaction that ``execute("COMMIT")`` ends. In a module whose only driver is
        asyncpg or ``databases``, an awaited ``execute()`` on any receiver counts, and so
        does an awaited ``database.execute()`` anywhere (``databases``' usual name).
        MongoDB commits each collection write (``update_one()``, ``insert_one()``, ...) that
        is given no ``session=``, though deletes alone (a cleanup) are not reported.
        Redis runs each command on its own, so two or more write commands of one record on
        a redis-py client (named by its type, or a receiver named for Redis), outside a
        pipeline that runs as MULTI/EXEC, are reported. Commands write one record when they
        name the same key, or when a value a key is built from appears in the other
        command's key or arguments (``hset(f"session:{token}", ...)`` and
        ``sadd(f"user:{uid}:sessions", token)``). Counters, expiries and values stored with
        their expiry (``setex()``, ``set(..., ex=60)``, a cache entry) join only a command
        on the same key, so ``incr(key)`` then ``expire(key, 60)`` is reported, but a
        cached page and a view count under one slug are not. Two counter commands never
        are, because the second may give back what the first took. A key set only when
        missing (``set(key, 0, nx=True)``, ``setnx()``) joins only an expiry of that key:
        ``setnx(lock, 1)`` then ``expire(lock, 10)`` leaves a lock that never expires. A
        trim (``ltrim()``, ``xtrim()``, ``zremrangebyscore()``) joins nothing, because the
        next call trims again. A pipeline made with ``transaction=False`` runs its commands
        one by one and is not MULTI/EXEC. Deletes and expiries alone, writes in different
        arms of an ``if`` or in an ``except`` handler, and a function whose linked caller
        makes a pipeline (which it may pass in as the client) are not reported. A peewee
        or Tortoise class write on a model the linter does not read counts as well, when the
        model comes from a ``models`` module or the module imports peewee or Tortoise, and
        there a row's ``save()``, ``delete()`` and ``delete_instance()`` count too.
        Test modules and migrations are skipped, and so are the methods of classes derived
        from Django's ``TestCase`` or DRF's ``APITestCase`` wherever they sit, because each
        test, ``setUp()`` and ``setUpTestData()`` runs inside a transaction there
        (``TransactionTestCase`` opens none, so its methods are checked). So is a function
        that only such methods call, such as a test data factory. opsgen operations are
        left to OPS103.

        The message names the remedy of the library the function writes through. Django:
        ``transaction.atomic()``. SQLAlchemy: one ``with session.begin():`` block, or
        ``with engine.begin() as conn:`` for Core. Flask-SQLAlchemy, whose ``db.session``
        has usually begun a transaction by the time a view writes, so that ``begin()``
        raises: a single ``db.session.commit()`` after the last write (helpers call
        ``flush()`` when they need a new row's id), or ``with db.session.begin():`` where
        nothing ran on the session before. A write or commit through ``db.session`` means
        Flask-SQLAlchemy, any other session write or commit means SQLAlchemy, and otherwise
        the module's imports decide, with Django the default. peewee: ``db.atomic()``.
        Tortoise (also an awaited class write such as ``await Order.create(...)``, which
        Django has not): ``in_transaction()`` or ``@atomic()``. MongoDB: a session
        transaction with ``session=s`` on each write. A raw driver: its own transaction
        block (``async with conn.transaction():`` for asyncpg, ``with conn.transaction():``
        for psycopg 3, ``with conn:`` for psycopg2, ``async with database.transaction():``
        for ``databases``, ``execute("BEGIN")`` and ``execute("COMMIT")`` for sqlite3 with
        ``isolation_level=None``), or one ``commit()`` after the last write. Redis: one
        ``pipeline(transaction=True)`` (redis-py's default) and its ``execute()``, or a Lua
        script.

    Why is this bad:
        In autocommit mode every write commits on its own. A failure between two writes
        leaves half the change in the database: an order without its lines, a transfer
        debited and never credited.

    Example:
        def place_order(customer, cart):
            order = Order.objects.create(customer=customer)
            for item in cart.items:
                OrderLine.objects.create(order=order, sku=item.sku)

    Use instead:
        @transaction.atomic
        def place_order(customer, cart):
            order = Order.objects.create(customer=customer)
            for item in cart.items:
                OrderLine.objects.create(order=order, sku=item.sku)
    """

    code = "OPS102"
    name = "forgotten-transaction"
    follows_calls = True
    MESSAGE = (
        "OPS102 {function}() {writes} outside any transaction, here or in a caller, so a "
        "failure between them leaves a partial change; {remedy}"
    )
    #: How to make the writes one transaction, by :func:`transaction_style`.
    REMEDIES = {
        "django": "wrap them in transaction.atomic()",
        "sqlalchemy": "wrap them in one with session.begin(): block (engine.begin() for a connection)",
        "flask-sqlalchemy": "commit once, after the last write, or wrap them in with db.session.begin():",
        "peewee": "wrap them in with db.atomic(): or decorate the function with @db.atomic()",
        "tortoise": "wrap them in async with in_transaction(): or decorate the function with @atomic()",
        "mongodb": "run them in with client.start_session() as s, s.start_transaction(): and pass session=s to each",
        "other": "wrap them in one transaction of the ORM",
    }

    #: The message for Django writes to a database whose alias no atomic() block around them names.
    OTHER_DATABASE_MESSAGE = (
        "OPS102 {function}() {writes} on the {alias!r} database, but the atomic() around "
        "them opens its transaction on another database, so each write commits on its own and a "
        "failure between them leaves a partial change; open the block with transaction.atomic(using={alias!r})"
    )

    #: The message for writes on a SQLAlchemy connection in AUTOCOMMIT isolation.
    AUTOCOMMIT_MESSAGE = (
        "OPS102 {function}() makes {count} writes ({listed}) on a connection in AUTOCOMMIT "
        "isolation, where each execute() commits on its own, so a failure between them leaves "
        "a partial change; run them in one with engine.begin() as conn: block on an engine "
        "without isolation_level=\"AUTOCOMMIT\""
    )

    #: The message for writes run with SQLAlchemy 1.x's Engine.execute().
    ENGINE_EXECUTE_MESSAGE = (
        "OPS102 {function}() makes {count} writes ({listed}) with Engine.execute(), which in "
        "SQLAlchemy 1.x runs each statement on a connection of its own and commits it, so a "
        "failure between them leaves a partial change; run them on one connection in a "
        "with engine.begin() as conn: block (Engine.execute() is gone in SQLAlchemy 2.0)"
    )

    #: The message for Redis commands that write one record one by one.
    REDIS_MESSAGE = (
        "OPS102 {function}() writes one record with {count} separate Redis commands ({listed}), "
        "and Redis runs each on its own, so a failure between them leaves a partial change; queue "
        "them on one pipeline(transaction=True) and call execute() (MULTI/EXEC), or run them in a Lua script"
    )

    def check(self, module: ModuleContext) -> Iterator[Finding]:
        if _NOT_APPLICATION_CODE.search(module.relative_path):
            return
        # Raw driver writes come first: their message names the driver's own remedy.
        reported: set[int] = set()
        imports_driver = any(target.partition(".")[0] in DRIVER_PACKAGES for target in module.summary.imports.values())
        if imports_driver or "await database." in module.source:
            for finding in self.check_drivers(module):
                reported.add(finding.line)
                yield finding
        for finding in self.check_functions(module, reported):
            reported.add(finding.line)
            yield finding
        if "AUTOCOMMIT" in module.source:
            for finding in self.check_autocommit(module, reported):
                reported.add(finding.line)
                yield finding
        if "engine" in module.source and ".execute(" in module.source:
            for finding in self.check_engine_execute(module, reported):
                reported.add(finding.line)
                yield finding
        if "redis" in module.source or "Redis" in module.source:
            yield from self.check_redis(module, reported)

    def check_drivers(self, module: ModuleContext) -> Iterator[Finding]:
        """Report SQL text written through a raw driver in two or more transactions."""
        analysis = module.analysis
        functions = {
            f.line: f
            for f in module.functions()
            if f.name != "<module>" and analysis.operation_of(f) is None and not runs_in_test_transaction(analysis, f)
        }
        imports = module.summary.imports
        connections = module_connections(module.tree, imports)
        attributes = attribute_connections(module.tree, imports)
        factory = factory_connection(module.tree, imports)
        texts = bound_texts(module.tree.body, {})
        for node in function_nodes(module.tree, set(functions)):
            starts = transactions(node, imports, {**connections, **attributes.get(node.lineno, {})}, texts, factory)
            count = sum(2 if start.in_loop else 1 for start in starts)
            if count < 2 or analysis.in_transaction_somewhere(functions[node.lineno].qualname, possible=False):
                continue
            listed = ", ".join(f"{describe(start.call)}{' in a loop' if start.in_loop else ''}" for start in starts[:3])
            if any(start.kind == "autocommit" for start in starts):
                amount = "several" if count > len(starts) else str(count)
                writes = f"makes {amount} writes that each commit on their own ({listed}{', ...' if len(starts) > 3 else ''})"
            else:
                amount = "one transaction per loop pass" if len(starts) == 1 else f"{len(starts)} transactions"
                writes = f"commits its writes in {amount} ({listed})"
            remedy = DRIVER_REMEDIES[starts[0].driver] if starts[0].kind == "autocommit" else "call commit() once, after the last write"
            message = self.MESSAGE.format(function=node.name, writes=writes, remedy=remedy)
            yield module.finding(self.code, message, starts[0].call.lineno, starts[0].call.col_offset)

    def check_autocommit(self, module: ModuleContext, reported: set[int]) -> Iterator[Finding]:
        """Report two or more writes on SQLAlchemy connections in AUTOCOMMIT isolation."""
        analysis = module.analysis
        functions = {
            f.line: f
            for f in module.functions()
            if f.name != "<module>" and analysis.operation_of(f) is None and not runs_in_test_transaction(analysis, f)
        }
        engines = autocommit_engines(module.tree)
        for node in function_nodes(module.tree, set(functions)):
            writes = list(autocommit_writes(node, engines))
            if len(writes) < 2 or any(node.lineno <= line <= (node.end_lineno or node.lineno) for line in reported):
                continue
            listed = ", ".join(describe(call) for call in writes[:3]) + (", ..." if len(writes) > 3 else "")
            message = self.AUTOCOMMIT_MESSAGE.format(function=node.name, count=len(writes), listed=listed)
            yield module.finding(self.code, message, writes[0].lineno, writes[0].col_offset)

    def check_engine_execute(self, module: ModuleContext, reported: set[int]) -> Iterator[Finding]:
        """Report two or more writes run with SQLAlchemy 1.x's ``Engine.execute()``."""
        if not any(target.partition(".")[0] in ("sqlalchemy", "flask_sqlalchemy") for target in module.summary.imports.values()):
            return
        analysis = module.analysis
        functions = {
            f.line: f
            for f in module.functions()
            if f.name != "<module>" and analysis.operation_of(f) is None and not runs_in_test_transaction(analysis, f)
        }
        for node in function_nodes(module.tree, set(functions)):
            if any(node.lineno <= line <= (node.end_lineno or node.lineno) for line in reported):
                continue
            sites = {(call.line, call.column): call for call in functions[node.lineno].calls}
            # A write in an except handler records a failure on purpose, apart from the others.
            found = [sites[key] for key in ((call.lineno, call.col_offset) for call in engine_executes(node, module.tree)) if key in sites]
            writes = analysis.one_path([(site, 2 if site.in_loop else 1) for site in found if ":h" not in site.branch])
            count = sum(weight for _, weight in writes)
            if count < 2:
                continue
            listed = ", ".join(f"{site.text}() at line {site.line}" for site, _ in writes[:3]) + (", ..." if len(writes) > 3 else "")
            amount = "several" if count > len(writes) else str(count)
            message = self.ENGINE_EXECUTE_MESSAGE.format(function=node.name, count=amount, listed=listed)
            yield module.finding(self.code, message, writes[0][0].line, writes[0][0].column)

    def check_redis(self, module: ModuleContext, reported: set[int]) -> Iterator[Finding]:
        """Report Redis commands that write one record one by one, outside MULTI/EXEC."""
        analysis = module.analysis
        functions = {
            f.line: f
            for f in module.functions()
            if f.name != "<module>" and not runs_in_test_transaction(analysis, f) and may_write_twice(f.calls)
        }
        for node in function_nodes(module.tree, set(functions)):
            function = functions[node.lineno]
            if any(function.line <= line <= function.end_line for line in reported):
                continue
            sites = {(call.line, call.column): call for call in function.calls}
            # A write in an except handler cleans up after a failure and is meant to run apart.
            # A method of a project class (a store that wraps the client) is not a Redis command.
            writes = [
                write
                for write in redis_writes(node, sites)
                if ":h" not in write.site.branch and not any(not link.guessed for link in analysis.links(function, write.site))
            ]
            path = {id(site) for site, _ in analysis.one_path([(write.site, 1) for write in writes])}
            group = record_writes([write for write in writes if id(write.site) in path])
            if not group or self.caller_queues(module, function, node):
                continue
            listed = ", ".join(f"{dotted_text(write.call.func)}() at line {write.call.lineno}" for write in group[:3])
            message = self.REDIS_MESSAGE.format(
                function=function.name, count=len(group), listed=listed + (", ..." if len(group) > 3 else "")
            )
            yield module.finding(self.code, message, group[0].call.lineno, group[0].call.col_offset)

    @staticmethod
    def caller_queues(module: ModuleContext, function: FunctionSummary, node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
        """Return True when the function may be given a pipeline for its client: a caller
        that the linter links to it makes a pipeline (``with r.pipeline() as pipe:
        open_session(pipe, ...)``)."""
        parameters = {argument.arg for argument in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]}
        if not parameters:
            return False
        analysis = module.analysis
        for caller, _ in analysis.callers().get(function.qualname, ()):
            entry = analysis.index.functions.get(caller)
            if entry is not None and any(call.text.endswith(".pipeline") for call in entry[1].calls):
                return True
        return False

    def check_functions(self, module: ModuleContext, reported: set[int]) -> Iterator[Finding]:
        analysis = module.analysis
        for function in module.functions():
            if function.name == "<module>" or analysis.operation_of(function) is not None:
                continue
            if any(function.line <= line <= function.end_line for line in reported):
                continue
            if runs_in_test_transaction(analysis, function) or called_only_from_tests(analysis, function):
                continue
            mongo = mongo_writes(module, function)
            sites = analysis.one_path(analysis.write_sites(function) + raw_sql_writes(analysis, function) + mongo)
            count = sum(weight for _, weight in sites)
            commits = own_commits(analysis, function)
            helpers = [call for call, _ in analysis.one_path([(call, 1) for call in committing_helpers(analysis, function)])]
            # A commit in a loop ends one transaction per item.
            transactions = sum(2 if call.loops else 1 for call in commits) + len(helpers)
            if count < 2 and transactions < 2:
                # Writes split between blocks that commit on their own, or a block and a
                # write after it. A write in an except handler records the failure on purpose.
                blocks = block_units(analysis, function)
                outside = [(call, weight) for call, weight in sites if ":h" not in call.branch]
                units = analysis.one_path(outside + blocks) if blocks else []
                units = split_at_effect(module, function, units, blocks)
                if sum(weight for _, weight in units) < 2 or not any(unit in blocks for unit in units):
                    continue
            elif transactions < 2 and (
                analysis.independent_items(sites) or resumable_batch(module.tree, function, sites) or independent_rows(module.tree, function, sites)
            ):
                continue
            else:
                units = []
            aliases = {analysis.other_database(function, call) for call, _ in sites} if count >= 2 and not units else {None}
            other_database = aliases.pop() if len(aliases) == 1 else None
            if other_database is not None:
                # The function's own atomic() opens on another database; a caller may hold one on this.
                if any(held or analysis.in_transaction_somewhere(caller, possible=False) for caller, held in analysis.callers().get(function.qualname, ())):
                    continue
            elif analysis.in_transaction_somewhere(function.qualname, possible=False):
                continue  # a save() override with two writes is reported unless a linked caller has a transaction open
            if units:
                blocks = block_units(analysis, function)
                starts = sorted(
                    (self.block_start(module, function, call) if (call, weight) in blocks else (call.line, call.column, f"{call.text}() at line {call.line}"))
                    for call, weight in units
                )
                listed = ", ".join(label for _, _, label in starts[:3])
                writes = f"commits its writes in {len(starts)} transactions ({listed})"
                line, column = starts[0][0], starts[0][1]
            elif count >= 2:
                # A write in a loop, or one whose signal receiver writes too, counts twice, so the list marks it.
                listed = ", ".join(self.site_label(analysis, function, call, weight) for call, weight in sites[:3])
                amount = "several" if count > len(sites) else str(count)
                writes = f"makes {amount} writes ({listed}{', ...' if len(sites) > 3 else ''})"
                line, column = sites[0][0].line, sites[0][0].column
            else:
                # Where each transaction begins: the first write before an own commit, or the helper call.
                begins = sorted(
                    [(*self.first_write(module, function, call), call) for call in commits]
                    + [(call.line, call.column, call) for call in helpers],
                    key=lambda start: (start[0], start[1]),
                )
                listed = ", ".join(f"{call.text}() at line {call.line}" for _, _, call in begins[:3])
                amount = "one transaction per loop pass" if len(begins) == 1 else f"{len(begins)} transactions"
                writes = f"commits its writes in {amount} ({listed})"
                line, column = begins[0][0], begins[0][1]
            style = "mongodb" if any(site in mongo for site in sites) else transaction_style(module, function, helpers)
            remedy = self.REMEDIES[style]
            drivers = sorted({target.partition(".")[0] for target in module.summary.imports.values()} & DRIVER_PACKAGES)
            if units and drivers and style in ("django", "other"):
                # Blocks of a raw driver's own transaction() (psycopg 3, asyncpg, databases).
                remedy = DRIVER_REMEDIES.get(drivers[0], self.REMEDIES["other"]) if len(drivers) == 1 else self.REMEDIES["other"]
            message = self.MESSAGE.format(function=function.name, writes=writes, remedy=remedy)
            if other_database is not None:
                message = self.OTHER_DATABASE_MESSAGE.format(function=function.name, writes=writes, alias=other_database)
            yield module.finding(self.code, message, line, column)

    @staticmethod
    def site_label(analysis: Analysis, function: FunctionSummary, call: CallSite, weight: int) -> str:
        """Return how the message lists one write: ``Order.save() at line 12 in a loop``."""
        label = f"{call.text}() at line {call.line}"
        if weight > 1 and call.in_loop:
            return f"{label} in a loop"
        receiver = analysis.writing_receiver(function, call) if weight > 1 else None
        if receiver is not None:
            return f"{label} with the writes of its signal receiver {receiver.rpartition('.')[2]}()"
        return label

    @staticmethod
    def first_write(module: ModuleContext, function: FunctionSummary, commit: CallSite) -> tuple[int, int]:
        """Return the line and column of the first write that ``commit`` commits.

        The summary keeps only the write's line. On that line the column is the session
        call's (``session.add(...)``), or else the statement's, for a change to a row
        loaded through the session (``account.balance -= amount``).
        """
        session, _, line_text = (commit.session_write or ":0").rpartition(":")
        line = int(line_text)
        for call in function.calls:
            if call.line == line and call.text.startswith(f"{session}.") and call.write is not None:
                return line, call.column
        statements = (node for node in ast.walk(module.tree) if isinstance(node, ast.stmt) and node.lineno == line)
        statement = next(statements, None)
        return line, statement.col_offset if statement is not None else 0

    @staticmethod
    def block_start(module: ModuleContext, function: FunctionSummary, write: CallSite) -> tuple[int, int, str]:
        """Return the line, column and description of the outermost transaction block around
        ``write``. A block that opens none, such as ``with pool.acquire() as conn:``, is passed over."""
        analysis = module.analysis
        block = analysis.open_block(function, write.transaction) or function.transactions[write.transaction]
        outer = analysis.open_block(function, block.parent)
        while outer is not None:
            block = outer
            outer = analysis.open_block(function, block.parent)
        kind = {"atomic": "atomic()", "session": "session transaction"}.get(block.kind, "transaction")
        if block.kind == "with" and block.name:
            kind = block.name.rpartition(".")[2] + "()"  # conn.transaction(), db.atomic()
        statement = next(
            (node for node in ast.walk(module.tree) if isinstance(node, (ast.With, ast.AsyncWith)) and node.lineno == block.line),
            None,
        )
        column = statement.col_offset if statement is not None else 0
        return block.line, column, f"the {kind} block at line {block.line}"

    VALID = [
        # Each order's total comes from its own lines: a partial run can be repeated.
        "from django.db.models import Sum\n"
        "from orders.models import Order\n\n"
        "def recalculate_totals():\n"
        "    for order in Order.objects.annotate(line_sum=Sum('lines__price')):\n"
        "        order.total = order.line_sum or 0\n"
        "        order.save(update_fields=['total'])\n",
        Example(
            "import asyncpg\n\n"
            "async def move(pool: asyncpg.Pool, document_id, folder_id):\n"
            "    async with pool.acquire() as conn, conn.transaction():\n"
            "        await conn.execute('UPDATE documents SET folder_id = $1 WHERE id = $2', folder_id, document_id)\n"
            "        await conn.execute('UPDATE folders SET items = items + 1 WHERE id = $1', folder_id)\n"
        ),
        # engine.begin() runs both inserts in one transaction.
        Example(
            "from sqlalchemy import create_engine, insert\n"
            "from billing.tables import invoice_lines, invoices\n\n"
            "engine = create_engine('postgresql://localhost/billing')\n\n"
            "def store(customer_id, lines):\n"
            "    with engine.begin() as conn:\n"
            "        conn.execute(insert(invoices).values(customer_id=customer_id))\n"
            "        conn.execute(insert(invoice_lines), lines)\n"
        ),
        Example(
            "from django.db import transaction\n"
            "from imports.models import Job, Row\n\n"
            "def import_rows(job, rows):\n"
            "    for row in rows:\n"
            "        with transaction.atomic():\n"
            "            Row.objects.create(job=job, data=row)\n"
            "    try:\n"
            "        with transaction.atomic():\n"
            "            job.rows.filter(valid=False).delete()\n"
            "    except Exception:\n"
            "        Job.objects.filter(pk=job.pk).update(status='failed')\n"
            "        raise\n"
        ),
        Example(
            "from django.db import transaction\n"
            "from orders.models import Order, OrderLine\n\n"
            "@transaction.atomic\n"
            "def place_order(customer, cart):\n"
            "    order = Order.objects.create(customer=customer)\n"
            "    for item in cart.items:\n"
            "        OrderLine.objects.create(order=order, sku=item.sku)\n"
        ),
        Example(
            "from django.db import transaction\n"
            "from orders.models import Order\n\n"
            "def write_two(customer):\n"
            "    Order.objects.create(customer=customer)\n"
            "    Order.objects.create(customer=customer)\n\n"
            "def caller(customer):\n"
            "    with transaction.atomic():\n"
            "        write_two(customer)\n"
        ),
        Example(
            "from django.db import transaction\n"
            "from rest_framework import serializers, viewsets\n"
            "from orders.models import Order, OrderLine\n\n"
            "class OrderSerializer(serializers.ModelSerializer):\n"
            "    def create(self, validated_data):\n"
            "        lines = validated_data.pop('lines')\n"
            "        order = Order.objects.create(**validated_data)\n"
            "        for line in lines:\n"
            "            OrderLine.objects.create(order=order, **line)\n"
            "        return order\n\n"
            "class OrderViewSet(viewsets.ModelViewSet):\n"
            "    serializer_class = OrderSerializer\n\n"
            "    @transaction.atomic\n"
            "    def perform_create(self, serializer):\n"
            "        serializer.save()\n"
        ),
        Example(
            "from django.db import transaction\n"
            "from rest_framework import serializers, viewsets\n\n"
            "class TaxRuleSerializer(serializers.ModelSerializer):\n"
            "    def save(self, **kwargs):\n"
            "        self.context['event'].tax_rules.exclude(pk=self.instance.pk).update(default=False)\n"
            "        return super().save(**kwargs)\n\n"
            "class TaxRuleViewSet(viewsets.ModelViewSet):\n"
            "    serializer_class = TaxRuleSerializer\n\n"
            "    @transaction.atomic\n"
            "    def perform_create(self, serializer):\n"
            "        serializer.save(event=self.request.event)\n"
        ),
        Example(
            "from django.db.models import F\n"
            "from stats.models import DailyCount\n\n"
            "def count_view(page, day):\n"
            "    row, _ = DailyCount.objects.get_or_create(page=page, day=day)\n"
            "    row.views = F('views') + 1\n"
            "    row.save(update_fields=['views'])\n"
        ),
        Example(
            "from files.models import CachedFile, CachedTicket\n\n"
            "def clean_expired(now):\n"
            "    for cached in CachedFile.objects.filter(expires__lt=now):\n"
            "        cached.delete()\n"
            "    for ticket in CachedTicket.objects.filter(expires__lt=now):\n"
            "        ticket.delete()\n"
        ),
        Example(
            "from mail.outbox import queue_mail\n\n"
            "def mail_attendees(event, subject):\n"
            "    for attendee in event.attendees.all():\n"
            "        queue_mail(attendee.email, subject)\n",
            files={
                "mail/__init__.py": "",
                "mail/outbox.py": (
                    "from mail.models import OutgoingMail\n\n"
                    "def queue_mail(to, subject):\n"
                    "    return OutgoingMail.objects.create(to=to, subject=subject)\n"
                ),
            },
        ),
        Example(
            "from devices.models import LastSeen\n\n"
            "def touch(device, now):\n"
            "    try:\n"
            "        seen = device.last_seen\n"
            "    except LastSeen.DoesNotExist:\n"
            "        LastSeen.objects.create(device=device, at=now)\n"
            "    else:\n"
            "        seen.at = now\n"
            "        seen.save(update_fields=['at'])\n"
        ),
        Example(
            "from accounts.models import SecurityKey\n\n"
            "def confirm_key(user, key_id, count):\n"
            "    for key in user.keys.all():\n"
            "        if key.pk == key_id:\n"
            "            key.sign_count = count\n"
            "            key.save()\n"
            "            break\n"
        ),
        # The helpers only flush, and the caller commits once.
        Example(
            "from app.extensions import db\n\n"
            "def create_user(email):\n"
            "    user = User(email=email)\n"
            "    db.session.add(user)\n"
            "    db.session.flush()\n"
            "    return user\n\n"
            "def create_wallet(user):\n"
            "    db.session.add(Wallet(user_id=user.id))\n\n"
            "def register(email):\n"
            "    user = create_user(email)\n"
            "    create_wallet(user)\n"
            "    db.session.commit()\n"
        ),
        # Claimed in one transaction, uploaded after COMMIT, then marked done. One
        # transaction around all three would hold the upload inside it.
        Example(
            "import requests\n"
            "from django.db import transaction\n"
            "from payouts.models import Payout\n\n"
            "def export(batch):\n"
            "    with transaction.atomic():\n"
            "        Payout.objects.filter(batch=batch).update(status='exporting')\n"
            "    requests.post('https://bank.example/upload', json={'batch': batch})\n"
            "    Payout.objects.filter(batch=batch).update(status='exported')\n"
        ),
        # Raw SQL inside atomic() is one transaction.
        Example(
            "from django.db import connection, transaction\n\n"
            "def archive(before):\n"
            "    with transaction.atomic(), connection.cursor() as cursor:\n"
            "        cursor.execute('INSERT INTO archive SELECT * FROM events WHERE at < %s', [before])\n"
            "        cursor.execute('DELETE FROM events WHERE at < %s', [before])\n"
        ),
        # MULTI/EXEC: redis-py's pipeline() is a transaction by default.
        Example(
            "from redis import Redis\n\n"
            "def open_session(client: Redis, user_id, token, data):\n"
            "    with client.pipeline() as pipe:\n"
            "        pipe.hset(f'session:{token}', mapping=data)\n"
            "        pipe.expire(f'session:{token}', 3600)\n"
            "        pipe.sadd(f'user:{user_id}:sessions', token)\n"
            "        pipe.execute()\n"
        ),
        # A cached page and a view count under one slug are separate facts.
        Example(
            "from redis import Redis\n\n"
            "def show(client: Redis, slug, html):\n"
            "    client.set(f'page:{slug}', html, ex=300)\n"
            "    client.incr(f'views:{slug}')\n"
        ),
        Example(
            "from io import BytesIO\n"
            "from media.models import Thumbnail\n\n"
            "def thumbnail(image, name):\n"
            "    buffer = BytesIO()\n"
            "    image.save(fp=buffer, format='PNG')\n"
            "    Thumbnail.objects.create(name=name, data=buffer.getvalue())\n"
        ),
    ]
    INVALID = [
        # The rate the function is given changes every order: one change across the rows.
        "from orders.models import Order\n\n"
        "def apply_rate(rate):\n"
        "    for order in Order.objects.all():\n"
        "        order.total = order.net * rate\n"
        "        order.save(update_fields=['total'])  # OPS102\n",
        # Redis runs each command on its own: a session without its expiry or its index entry.
        Example(
            "from redis import Redis\n\n"
            "def open_session(client: Redis, user_id, token, data):\n"
            "    client.hset(f'session:{token}', mapping=data)  # OPS102\n"
            "    client.expire(f'session:{token}', 3600)\n"
            "    client.sadd(f'user:{user_id}:sessions', token)\n"
        ),
        # asyncpg commits each statement outside conn.transaction() on its own.
        Example(
            "import asyncpg\n\n"
            "async def move(pool: asyncpg.Pool, document_id, folder_id):\n"
            "    async with pool.acquire() as conn:\n"
            "        await conn.execute('UPDATE documents SET folder_id = $1 WHERE id = $2', folder_id, document_id)  # OPS102\n"
            "        await conn.execute('UPDATE folders SET items = items + 1 WHERE id = $1', folder_id)\n"
        ),
        # An engine in AUTOCOMMIT isolation commits each insert on its own.
        Example(
            "from sqlalchemy import create_engine, insert\n"
            "from billing.tables import invoice_lines, invoices\n\n"
            "engine = create_engine('postgresql://localhost/billing', isolation_level='AUTOCOMMIT')\n\n"
            "def store(customer_id, lines):\n"
            "    with engine.connect() as conn:\n"
            "        conn.execute(insert(invoices).values(customer_id=customer_id))  # OPS102\n"
            "        conn.execute(insert(invoice_lines), lines)\n"
        ),
        # A reverse related manager's update() writes the related rows.
        Example(
            "from django.db import models\n\n"
            "class Thread(models.Model):\n"
            "    hidden = models.BooleanField(default=False)\n\n"
            "class Post(models.Model):\n"
            "    thread = models.ForeignKey(Thread, related_name='posts', on_delete=models.CASCADE)\n"
            "    hidden = models.BooleanField(default=False)\n\n"
            "def hide(thread):\n"
            "    thread.hidden = True\n"
            "    thread.save()  # OPS102\n"
            "    thread.posts.update(hidden=True)\n"
        ),
        Example(
            "from django.db import transaction\n"
            "from shop.models import Order, Payment\n\n"
            "def checkout(cart, charge):\n"
            "    with transaction.atomic():  # OPS102\n"
            "        order = Order.objects.create(customer=cart.customer)\n"
            "    Payment.objects.create(order=order, charge_id=charge.id)\n"
        ),
        # The request runs before both writes, so it does not separate them.
        Example(
            "import requests\n"
            "from django.db import transaction\n"
            "from payouts.models import Payout\n\n"
            "def export(batch):\n"
            "    requests.post('https://bank.example/upload', json={'batch': batch})\n"
            "    with transaction.atomic():  # OPS102\n"
            "        Payout.objects.filter(batch=batch).update(status='exporting')\n"
            "    Payout.objects.filter(batch=batch).update(status='exported')\n"
        ),
        # A serializer's save() with extra fields writes the row.
        Example(
            "from django.db.models import F\n"
            "from rest_framework import viewsets\n\n"
            "class CommentViewSet(viewsets.ModelViewSet):\n"
            "    def perform_create(self, serializer):\n"
            "        comment = serializer.save(author=self.request.user)  # OPS102\n"
            "        Post.objects.filter(pk=comment.post_id).update(comments=F('comments') + 1)\n"
        ),
        # Django runs each raw statement in its own transaction.
        Example(
            "from django.db import connection\n\n"
            "def archive(before):\n"
            "    with connection.cursor() as cursor:\n"
            "        cursor.execute('INSERT INTO archive SELECT * FROM events WHERE at < %s', [before])  # OPS102\n"
            "        cursor.execute('DELETE FROM events WHERE at < %s', [before])\n"
        ),
        # Two helpers that each commit: the user and the wallet land in two transactions.
        Example(
            "from app.extensions import db\n\n"
            "def create_user(email):\n"
            "    user = User(email=email)\n"
            "    db.session.add(user)\n"
            "    db.session.commit()\n"
            "    return user\n\n"
            "def create_wallet(user):\n"
            "    db.session.add(Wallet(user_id=user.id))\n"
            "    db.session.commit()\n\n"
            "def register(email):\n"
            "    user = create_user(email)  # OPS102\n"
            "    create_wallet(user)\n"
        ),
        # A SQLAlchemy Core connection committed twice.
        Example(
            "from sqlalchemy import insert\n\n"
            "def store(engine, header, lines):\n"
            "    with engine.connect() as conn:\n"
            "        conn.execute(insert(orders).values(**header))  # OPS102\n"
            "        conn.commit()\n"
            "        conn.execute(insert(order_lines), lines)\n"
            "        conn.commit()\n"
        ),
        Example(
            "def import_rows(session, records):\n"
            "    for record in records:\n"
            "        session.add(Row(payload=record))  # OPS102\n"
            "        session.commit()\n"
        ),
        Example(
            "from carts.models import CartLine\n\n"
            "def replace_lines(cart, items):\n"
            "    cart.lines.all().delete()  # OPS102\n"
            "    CartLine.objects.bulk_create([CartLine(cart=cart, **item) for item in items])\n"
        ),
        Example(
            "def transfer(session, source, target, amount):\n"
            "    source.balance -= amount\n"
            "    session.add(source)  # OPS102\n"
            "    session.commit()\n"
            "    target.balance += amount\n"
            "    session.add(target)\n"
            "    session.commit()\n"
        ),
        Example(
            "from teams.models import Invitation\n\n"
            "def accept(invitation, user):\n"
            "    invitation.team.members.add(user)  # OPS102\n"
            "    invitation.delete()\n",
            files={
                "teams/__init__.py": "",
                "teams/models.py": (
                    "from django.db import models\n\n"
                    "class Team(models.Model):\n"
                    "    members = models.ManyToManyField('auth.User')\n\n"
                    "class Invitation(models.Model):\n"
                    "    team = models.ForeignKey(Team, on_delete=models.CASCADE)\n"
                ),
            },
        ),
        Example(
            "from orders.models import Order, OrderLine\n\n"
            "def place_order(customer, cart):\n"
            "    order = Order.objects.create(customer=customer)  # OPS102\n"
            "    for item in cart.items:\n"
            "        OrderLine.objects.create(order=order, sku=item.sku)\n"
        ),
        Example(
            "from orders.models import Order\n"
            "from orders.stock import reserve\n\n"
            "def place_order(customer, cart):\n"
            "    order = Order.objects.create(customer=customer)  # OPS102\n"
            "    reserve(order)\n",
            files={
                "orders/__init__.py": "",
                "orders/stock.py": (
                    "from orders.models import Order\n\n"
                    "def reserve(order: Order):\n"
                    "    order.reserved = True\n"
                    "    order.save()\n"
                ),
            },
        ),
    ]
