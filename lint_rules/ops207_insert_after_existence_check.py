"""OPS207: a row inserted after a query checked that no such row exists, without a lock."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

from opsgen.lint.orm import (
    ROW_LOCKS,
    call_chain,
    callee_name,
    function_nodes,
    is_lock_name,
    is_migration_path,
    is_test_path,
    module_orm,
    row_lock_remedy,
    runs_in_pipeline,
    scope_nodes,
    takes_lock,
    through_session,
)
from opsgen.lint.rule import Finding, ModuleContext, Rule, walk_scope
from opsgen.lint.summary import FunctionSummary

#: Last calls of a query that tell whether a matching row exists.
EXISTENCE_TERMINALS = frozenset({"exists", "first", "count", "one_or_none", "scalar_one_or_none", "scalar"})
#: Query steps that narrow a query to the rows a new row would duplicate.
FILTER_STEPS = frozenset({"filter", "filter_by", "where", "exclude"})
#: Calls that insert the rows they are given or build.
MANAGER_INSERTS = frozenset({"create", "bulk_create"})
SESSION_ADDS = frozenset({"add", "add_all"})
ENDS_BLOCK = (ast.Return, ast.Raise, ast.Continue, ast.Break)
#: Statements with a body: their nested statements are visited on their own.
COMPOUND = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try, ast.Match, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


@dataclass(frozen=True)
class _Check:
    """An existence query: the statement that runs it and the model it queries."""

    statement: ast.stmt
    model: str
    orm: str | None = None  # "django" or "sqlalchemy" when the query's shape shows it


def _model_of_query(call: ast.Call) -> tuple[str, str | None]:
    """Return the model a query reads and its ORM: ``Seat`` and Django for
    ``Seat.objects.filter(...)``; ``Seat`` and SQLAlchemy for ``Seat.query.filter_by(...)``,
    ``session.query(Seat)`` or ``select(Seat)``; else ``("", None)``."""
    steps, root = call_chain(call)
    names = [name for name, _ in steps]
    if isinstance(root, ast.Name) and root.id[:1].isupper() and ("objects" in names or "query" in names):
        return root.id, "django" if "objects" in names else "sqlalchemy"
    for node in ast.walk(call):
        if isinstance(node, ast.Call) and callee_name(node.func) in ("query", "select") and node.args:
            first = node.args[0]
            if isinstance(first, ast.Name) and first.id[:1].isupper():
                return first.id, "sqlalchemy"
    return "", None


def _existence_check(statement: ast.stmt, expr: ast.expr) -> _Check | None:
    """Return the first existence query in ``expr`` (``M.objects.filter(...).exists()``), run by ``statement``."""
    for node in [expr, *walk_scope(expr)]:
        if not (isinstance(node, ast.Call) and callee_name(node.func) in EXISTENCE_TERMINALS):
            continue
        steps, _ = call_chain(node)
        names = {name for name, _ in steps}
        inner = {callee_name(n.func) for n in ast.walk(node) if isinstance(n, ast.Call)}
        if names & FILTER_STEPS or inner & FILTER_STEPS:
            model, orm = _model_of_query(node)
            if model:
                return _Check(statement, model, orm)
    return None


def _inserted_model(call: ast.Call, built: dict[str, str]) -> str:
    """Return the model a call inserts: ``M.objects.create(...)``, ``session.add(M(...))``,
    ``session.add(row)`` or ``row.save()`` for a ``row = M(...)`` built here; else ``""``."""
    name = callee_name(call.func)
    if name in MANAGER_INSERTS:
        steps, root = call_chain(call)
        if isinstance(root, ast.Name) and root.id[:1].isupper() and "objects" in [n for n, _ in steps]:
            return root.id
    if name in SESSION_ADDS and call.args:
        argument = call.args[0]
        if isinstance(argument, ast.Call) and isinstance(argument.func, ast.Name) and argument.func.id[:1].isupper():
            return argument.func.id
        if isinstance(argument, ast.Name):
            return built.get(argument.id, "")
    if name == "save" and isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Name):
        return built.get(call.func.value.id, "")
    if name == "insert" and call.args and isinstance(call.args[0], ast.Name):
        return call.args[0].id
    return ""


def _statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Yield the statements of ``body`` in source order, nested blocks included, nested definitions not."""
    for statement in body:
        yield statement
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for field in ("body", "orelse", "finalbody"):
            yield from _statements(getattr(statement, field, None) or [])
        for handler in getattr(statement, "handlers", None) or []:
            yield from _statements(handler.body)
        for case in getattr(statement, "cases", None) or []:
            yield from _statements(case.body)


def _takes_lock(method: str, keywords: list[str]) -> bool:
    """Return True for a call that locks: ``select_for_update()``, ``lock_objects()``, ``get(..., with_for_update=True)``."""
    return method in ROW_LOCKS or (bool(method) and is_lock_name(method)) or "with_for_update" in keywords


def _spans(node: ast.AST, lines: set[int]) -> bool:
    """Return True when the node's lines include one of ``lines``."""
    start = getattr(node, "lineno", 0)
    end = getattr(node, "end_lineno", None) or start
    return any(start <= line <= end for line in lines)


def _may_insert(text: str, builds: bool) -> bool:
    """Return True for the dotted text of a call that may insert a row (see :func:`_inserted_model`)."""
    method = text.rpartition(".")[2]
    if method in MANAGER_INSERTS:
        return ".objects." in text
    if method in SESSION_ADDS:
        return through_session(text)
    return (method == "save" and builds) or text == "insert"


def _catches_integrity_error(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Return True when a handler of the function catches ``IntegrityError`` (or a unique violation)."""
    for node in scope_nodes(function.body):
        if isinstance(node, ast.ExceptHandler) and node.type is not None:
            caught = ast.unparse(node.type)
            if "IntegrityError" in caught or "UniqueViolation" in caught:
                return True
    return False


class InsertAfterExistenceCheck(Rule):
    """Flags a row inserted after a query found no such row, with no lock or unique constraint to back the check.

    What it does:
        Reports a query that checks whether a row exists (``exists()``, ``first()``,
        ``count()``, ``one_or_none()``, ``scalar()`` on a filtered query of a model) when an
        ``if`` on its result leads to inserting a row of the same model. The insert sits
        inside the ``if``, or after an ``if`` that returns or raises. The inserts are
        ``Model.objects.create(...)``, ``bulk_create(...)``, ``session.add(Model(...))``,
        ``row.save()`` or ``session.add(row)`` for a ``row = Model(...)`` built in the
        function, and ``insert(Model)``. Not reported: a function that catches
        ``IntegrityError`` (the database's unique constraint decides, the query is only a
        fast path), code inside ``with <lock>:`` or after a call that takes a lock or a
        ``select_for_update()``/``with_for_update()`` query, tests, migrations, and functions
        that take an opsgen ``ExecutionContext``. The message names the row lock of the
        ORM the query uses (``Model.objects`` for Django; ``Model.query``, ``select()`` or
        ``session.query()`` for SQLAlchemy), else of the one the module imports.

    Why is this bad:
        Two requests run the query before either inserts, both find nothing, and both
        insert: two accounts with one e-mail address, two active subscriptions. A
        transaction does not stop it, because there is no row yet to lock.

    Example:
        if User.query.filter_by(email=email).first() is not None:
            abort(409)
        db.session.add(User(email=email))
        db.session.commit()

    Use instead:
        db.session.add(User(email=email))  # users.email has a unique index
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            abort(409)
    """

    code = "OPS207"
    name = "missing-lock"
    scope = "module"
    MESSAGE = (
        "OPS207 this query checks that no {model} row exists and the function then inserts one "
        "without a lock, so two concurrent calls both find none and both insert; add a unique "
        "constraint and handle IntegrityError, or lock a parent row with {row_lock} first"
    )

    def check(self, module: ModuleContext) -> Iterator[Finding]:
        candidates = {f.line: f for f in module.functions() if f.name != "<module>" and self.may_check_then_insert(f)}
        if not candidates or is_test_path(module.relative_path) or is_migration_path(module.path):
            return
        lines = module.source.splitlines()
        for node in function_nodes(module.tree, set(candidates)):
            text = "\n".join(lines[node.lineno - 1 : node.end_lineno])
            handles = ("IntegrityError" in text or "UniqueViolation" in text) and _catches_integrity_error(node)
            if not runs_in_pipeline(node) and not handles:
                yield from self.check_function(module, node, candidates[node.lineno])

    @staticmethod
    def may_check_then_insert(function: FunctionSummary) -> bool:
        """Return True when the function runs a filtered existence query and an insert."""
        calls = function.calls
        methods = {call.text.rpartition(".")[2] for call in calls}
        if not methods & FILTER_STEPS:
            return False
        checks = [call.line for call in calls if call.text.rpartition(".")[2] in EXISTENCE_TERMINALS]
        if not checks:
            return False
        builds = any(call.text[:1].isupper() and "." not in call.text for call in calls)  # Model(...)
        first_check = min(checks)
        return any(call.line > first_check and _may_insert(call.text, builds) for call in calls)

    def check_function(
        self, module: ModuleContext, function: ast.FunctionDef | ast.AsyncFunctionDef, summary: FunctionSummary
    ) -> Iterator[Finding]:
        # Only the lines with an existence query or a possible insert need a closer look.
        calls = summary.calls
        check_lines = {call.line for call in calls if call.text.rpartition(".")[2] in EXISTENCE_TERMINALS}
        builds = any(call.text[:1].isupper() and "." not in call.text for call in calls)
        insert_lines = {call.line for call in calls if _may_insert(call.text, builds)}
        lock_lines = [call.line for call in calls if _takes_lock(call.text.rpartition(".")[2], call.keywords)]
        statements = list(_statements(function.body))
        lock_lines += [s.lineno for s in statements if isinstance(s, (ast.With, ast.AsyncWith)) and any(takes_lock(i) for i in s.items)]
        lock_line = min(lock_lines, default=None)

        checked: dict[str, _Check] = {}  # name bound to an existence query -> the query
        built: dict[str, str] = {}  # name bound to ``Model(...)`` -> the model
        inserts: list[tuple[int, str]] = []  # (line, model) of each insert
        tests: list[tuple[ast.If, _Check]] = []
        for statement in statements:
            if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name):
                name, value = statement.targets[0].id, statement.value
                check = _existence_check(statement, value) if _spans(statement, check_lines) else None
                if check is not None:
                    checked[name] = check
                if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id[:1].isupper():
                    built[name] = value.func.id
            if isinstance(statement, ast.If) and (checked or _spans(statement.test, check_lines)):
                check = self.check_in_test(statement, checked)
                if check is not None and (lock_line is None or lock_line > check.statement.lineno):
                    tests.append((statement, check))
            elif not isinstance(statement, COMPOUND) and _spans(statement, insert_lines):
                for node in walk_scope(statement):
                    if isinstance(node, ast.Call):
                        model = _inserted_model(node, built)
                        if model:
                            inserts.append((node.lineno, model))

        reported: set[int] = set()
        for test, check in tests:
            if check.statement.lineno in reported:
                continue
            end = test.end_lineno or test.lineno
            exits = bool(test.body) and isinstance(test.body[-1], ENDS_BLOCK)
            for line, model in inserts:
                if model == check.model and (test.lineno < line <= end or (exits and line > end)):
                    reported.add(check.statement.lineno)
                    orm = check.orm or module_orm(module.summary.imports)
                    message = self.MESSAGE.format(model=model, row_lock=row_lock_remedy(orm))
                    yield module.finding(self.code, message, check.statement.lineno, check.statement.col_offset)
                    break

    @staticmethod
    def check_in_test(test: ast.If, checked: dict[str, _Check]) -> _Check | None:
        """Return the existence query an ``if`` tests, run in its test or bound to a name first."""
        check = _existence_check(test, test.test)
        if check is not None:
            return check
        for node in ast.walk(test.test):
            if isinstance(node, ast.Name) and node.id in checked:
                return checked[node.id]
        return None

    VALID = [
        # The unique index decides; the handler turns a duplicate into an error response.
        "from sqlalchemy.exc import IntegrityError\n\n"
        "def signup(email):\n"
        "    if User.query.filter_by(email=email).first() is not None:\n"
        "        return 'taken', 409\n"
        "    db.session.add(User(email=email))\n"
        "    try:\n"
        "        db.session.commit()\n"
        "    except IntegrityError:\n"
        "        db.session.rollback()\n"
        "        return 'taken', 409\n"
        "    return 'ok', 201\n",
        # The parent row is locked before the check, so callers for one user queue up.
        "from django.db import transaction\n\n"
        "@transaction.atomic\n"
        "def subscribe(user, plan):\n"
        "    Account.objects.select_for_update().get(pk=user.account_id)\n"
        "    if Subscription.objects.filter(user=user, active=True).exists():\n"
        "        raise ValueError('already subscribed')\n"
        "    return Subscription.objects.create(user=user, plan=plan, active=True)\n",
        # The check is on another model than the insert.
        "def invite(team, email):\n"
        "    if not Team.objects.filter(pk=team.pk, open=True).exists():\n"
        "        raise ValueError('team is closed')\n"
        "    return Invitation.objects.create(team=team, email=email)\n",
        # A lock helper covers the check and the insert.
        "def register(name):\n"
        "    with named_lock(f'plugin:{name}'):\n"
        "        if Plugin.objects.filter(name=name).exists():\n"
        "            return None\n"
        "        return Plugin.objects.create(name=name)\n",
    ]
    INVALID = [
        "def signup(email):\n"
        "    if User.query.filter_by(email=email).first() is not None:  # OPS207\n"
        "        return 'taken', 409\n"
        "    user = User(email=email)\n"
        "    db.session.add(user)\n"
        "    db.session.commit()\n"
        "    return 'ok', 201\n",
        # Django: exists(), then create() in the other arm.
        "def subscribe(user, plan):\n"
        "    if Subscription.objects.filter(user=user, active=True).exists():  # OPS207\n"
        "        raise ValueError('already subscribed')\n"
        "    else:\n"
        "        Subscription.objects.create(user=user, plan=plan, active=True)\n",
        # The query's result is bound to a name, then tested; the insert sits in the if.
        "from sqlalchemy import select\n\n"
        "def tag(session, name):\n"
        "    existing = session.scalar(select(Tag).where(Tag.name == name))  # OPS207\n"
        "    if existing is None:\n"
        "        session.add(Tag(name=name))\n"
        "        session.commit()\n",
        # A row built first and saved inside the if.
        "def follow(user, author):\n"
        "    if Follow.objects.filter(user=user, author=author).count() == 0:  # OPS207\n"
        "        follow = Follow(user=user, author=author)\n"
        "        follow.save()\n",
    ]
