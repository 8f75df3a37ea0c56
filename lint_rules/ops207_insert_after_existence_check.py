"""OPS207: a row inserted after a query checked that no such row exists, without a lock."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from opsgen.lint.insert_races import manager_rows, related_quota_checks, unbacked_get_or_creates
from opsgen.lint.knowledge import sync_method
from opsgen.lint.orm import (
    QUERY_STEPS,
    ROW_LOCKS,
    callee_name,
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
from opsgen.lint.query_chains import call_chain
from opsgen.lint.rule import Finding, ModuleContext, Rule, walk_scope
from opsgen.lint.summary import FunctionSummary, function_nodes

#: Last calls of a query that tell whether a matching row exists.
EXISTENCE_TERMINALS = frozenset({"exists", "first", "count", "one_or_none", "scalar_one_or_none", "scalar"})
#: Query steps that narrow a query to the rows a new row would duplicate.
FILTER_STEPS = frozenset({"filter", "filter_by", "where", "exclude"})
#: Calls that insert the rows they are given or build.
MANAGER_INSERTS = frozenset({"create", "bulk_create"})
SESSION_ADDS = frozenset({"add", "add_all"})
#: Calls whose presence makes a function worth the related-manager and get-or-create checks.
RELATED_INSERTS = frozenset({"create", "bulk_create", "get_or_create", "update_or_create", "aget_or_create", "aupdate_or_create", "acreate"})
#: Last calls of a query that return exactly one row and raise when there is none.
SINGLE_ROW_TERMINALS = frozenset({"get", "one", "scalar_one"})
#: Exceptions that such a query raises for a missing row: Django's and SQLAlchemy's.
NOT_FOUND_ERRORS = ("DoesNotExist", "NoResultFound")
ENDS_BLOCK = (ast.Return, ast.Raise, ast.Continue, ast.Break)
#: Statements with a body: their nested statements are visited on their own.
COMPOUND = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try, ast.Match, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


@dataclass(frozen=True)
class _Check:
    """An existence query: the statement that runs it and the model it queries."""

    statement: ast.stmt
    model: str
    orm: str | None = None  # "django" or "sqlalchemy" when the query's shape shows it
    terminal: str = ""  # the query's last call: "exists", "count", ...


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


#: Returns the model of the rows of the related manager a query chain starts from, or "".
RelatedModel = Callable[[ast.Call], str]


def _existence_check(statement: ast.stmt, expr: ast.expr, related: RelatedModel | None = None) -> _Check | None:
    """Return the first existence query in ``expr`` (``M.objects.filter(...).exists()``, or
    ``order.items.filter(...).first()`` through a related manager), run by ``statement``."""
    for node in [expr, *walk_scope(expr)]:
        if not (isinstance(node, ast.Call) and callee_name(node.func) in EXISTENCE_TERMINALS):
            continue
        steps, _ = call_chain(node)
        names = {name for name, _ in steps}
        inner = {callee_name(n.func) for n in ast.walk(node) if isinstance(n, ast.Call)}
        if names & FILTER_STEPS or inner & FILTER_STEPS:
            model, orm = _model_of_query(node)
            if not model and related is not None:
                model, orm = related(node), "django"
            if model:
                return _Check(statement, model, orm, callee_name(node.func))
    return None


def _counts_against_limit(test: ast.expr, check: _Check, names: set[str]) -> bool:
    """Return True when ``test`` compares the ``count()`` of ``check`` with a limit, not with 0 or 1.

    ``taken >= session.capacity`` or ``count() < MAX_SEATS`` check a limit; ``count() == 0``,
    ``count() > 0`` and a bare ``if count():`` check that a row exists. ``names`` contains
    the local names bound to the count.
    """
    if check.terminal != "count":
        return False
    for node in ast.walk(test):
        if not isinstance(node, ast.Compare):
            continue
        sides = [node.left, *node.comparators]
        counted = [side for side in sides if _is_count(side, names)]
        others = [side for side in sides if not _is_count(side, names)]
        if counted and any(not (isinstance(side, ast.Constant) and side.value in (0, 1)) for side in others):
            return True
    return False


def _is_count(expr: ast.expr, names: set[str]) -> bool:
    if isinstance(expr, ast.Name):
        return expr.id in names
    return isinstance(expr, ast.Call) and callee_name(expr.func) == "count"


def _single_row_get(call: ast.Call) -> tuple[str, str | None]:
    """Return the model and ORM of a query that raises when no row matches:
    ``Model.objects.get(...)`` (or ``aget``), ``session.query(Model)...one()``,
    ``session.execute(select(Model)...).scalar_one()``; else ``("", None)``.

    In a Django manager, ``self.get(...)`` or ``self.get_queryset().get(...)`` queries the
    manager's own model, given as ``"self"``.
    """
    terminal = sync_method(callee_name(call.func))
    if terminal not in SINGLE_ROW_TERMINALS:
        return "", None
    steps, root = call_chain(call)
    if terminal == "get" and isinstance(root, ast.Name) and root.id == "self":
        if all(name in QUERY_STEPS or name == "get_queryset" for name, _ in steps[:-1]):
            return "self", "django"
    model, orm = _model_of_query(call)
    if orm == "django" and terminal != "get":
        return "", None
    return model, orm


def _handled_gets(statements: list[ast.stmt]) -> dict[int, _Check]:
    """Return the ``row = Model.objects.get(...)`` bindings in a ``try`` whose handler catches
    the not-found error, keyed by ``id()`` of the statement: ``except DoesNotExist: row = None``
    and a later ``if row is None:`` make the get an existence check."""
    handled: dict[int, _Check] = {}
    for statement in statements:
        if not isinstance(statement, ast.Try):
            continue
        for binding in statement.body:
            if not (isinstance(binding, ast.Assign) and isinstance(binding.value, (ast.Call, ast.Await))):
                continue
            value = binding.value.value if isinstance(binding.value, ast.Await) else binding.value
            model, orm = _single_row_get(value) if isinstance(value, ast.Call) else ("", None)
            if model and model != "self" and any(_catches_not_found(handler, model) for handler in statement.handlers):
                handled[id(binding)] = _Check(binding, model, orm, "get")
    return handled


def _handler_inserts(handler: ast.ExceptHandler) -> list[str]:
    """Return the models the handler inserts rows of, ``"self"`` for a manager's ``self.create(...)``."""
    built: dict[str, str] = {}
    models = []
    for statement in _statements(handler.body):
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name):
            value = statement.value
            if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id[:1].isupper():
                built[statement.targets[0].id] = value.func.id
        if isinstance(statement, COMPOUND):
            continue
        for node in walk_scope(statement):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self":
                if sync_method(func.attr) in MANAGER_INSERTS:
                    models.append("self")
                    continue
            model = _inserted_model(node, built)
            if model:
                models.append(model)
    return models


def _catches_not_found(handler: ast.ExceptHandler, model: str) -> bool:
    """Return True for ``except Model.DoesNotExist``, ``except ObjectDoesNotExist`` or
    ``except NoResultFound`` (alone or in a tuple)."""
    if handler.type is None:
        return False
    caught = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    for error in caught:
        text = ast.unparse(error)
        if text.endswith(".DoesNotExist"):
            owner = text.rpartition(".")[0]
            if owner.rpartition(".")[2] == model or (model == "self" and owner in ("self.model", "cls.model")):
                return True
        elif text.rpartition(".")[2] in ("ObjectDoesNotExist", "NoResultFound"):
            return True
    return False


def _inserted_model(call: ast.Call, built: dict[str, str], related: RelatedModel | None = None) -> str:
    """Return the model a call inserts: ``M.objects.create(...)``, ``session.add(M(...))``,
    ``session.add(row)`` or ``row.save()`` for a ``row = M(...)`` built here, or with
    ``related``, ``order.items.create(...)`` through a related manager; else ``""``."""
    name = sync_method(callee_name(call.func))
    if name in MANAGER_INSERTS:
        steps, root = call_chain(call)
        if isinstance(root, ast.Name) and root.id[:1].isupper() and "objects" in [n for n, _ in steps]:
            return root.id
        if related is not None:
            return related(call)
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
    method = sync_method(text.rpartition(".")[2])
    if method in MANAGER_INSERTS:
        # Model.objects.create(...), or order.items.create(...) through a related manager
        owner, _, attribute = text.rpartition(".")[0].rpartition(".")
        return ".objects." in text or (bool(owner) and attribute.isidentifier() and not attribute[:1].isupper())
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
        inside the ``if``, or after an ``if`` that returns or raises, or after a ``while``
        loop that tries the next value until the query finds no row (``while
        Workspace.objects.filter(slug=slug).exists(): slug = f"{base}-{n}"``). The inserts are
        ``Model.objects.create(...)``, ``bulk_create(...)``, ``session.add(Model(...))``,
        ``row.save()`` or ``session.add(row)`` for a ``row = Model(...)`` built in the
        function, and ``insert(Model)``. Not reported: a function that catches
        ``IntegrityError`` (the database's unique constraint decides, the query is only a
        fast path), code inside ``with <lock>:`` or after a call that takes a lock or a
        ``select_for_update()``/``with_for_update()`` query, tests, migrations, and functions
        that take an opsgen ``ExecutionContext``. The message names the row lock of the
        ORM the query uses (``Model.objects`` for Django; ``Model.query``, ``select()`` or
        ``session.query()`` for SQLAlchemy), else of the one the module imports. A query
        and an insert through one Django related manager of a project model
        (``cart.lines.filter(...).first()``, then ``cart.lines.create(...)``) count too.

        A hand-written get-or-create is the same race: ``Model.objects.get(...)`` (or
        SQLAlchemy's ``one()``/``scalar_one()``) in a ``try``, and the insert in its
        ``except Model.DoesNotExist`` (``ObjectDoesNotExist``, ``NoResultFound``) handler.
        Inside a Django manager, ``self.get(...)`` and ``self.create(...)`` with
        ``except self.model.DoesNotExist`` are the same. So is a handler that binds the row
        to ``None``, with the insert under a later ``if row is None:``. It is reported at
        the query, with the same exceptions.

        When the test compares a ``count()`` with a limit (``taken >= session.capacity``)
        rather than with 0 or 1, the message names that limit check and offers only a lock,
        because no unique constraint can cap how many rows there are.
        A count through a related manager (``len(account.keys.all()) >= limit``,
        ``account.keys.count() >= limit``, or the rows bound to a name first) followed by a
        row created through the manager (``account.keys.create(...)``) or for its owner
        (``Key.objects.create(account=account)``) is that limit check too. It is reported
        at the read, unless a lock is taken before it.

        ``Model.objects.get_or_create(...)`` and ``update_or_create(...)`` select, then
        insert when nothing matched. They are reported when the model is declared in the
        project and no unique constraint covers the lookup fields (those of ``filter()``
        steps before it included): neither ``unique=True`` or a primary key on one of them,
        nor ``Meta.unique_together`` or a ``UniqueConstraint(fields=...)`` on a subset.
        Django catches the ``IntegrityError`` of the losing insert and returns the winner's
        row only when such a constraint exists. The same holds through a related manager
        of a project model (``order.items.get_or_create(sku=...)``,
        ``user.profile_set.get_or_create(...)``, a many-to-many field's manager). A reverse
        foreign-key manager adds its foreign key to the lookup (``order``), so the
        constraint must cover it too. A model with a base outside the project (other than
        Django's ``Model``), or a constraint the linter cannot read, is not reported.

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
    #: The message for a count compared with a limit (a capacity, a quota), which no
    #: unique constraint can enforce.
    LIMIT_MESSAGE = (
        "OPS207 this query counts {model} rows and compares the count with a limit, and the "
        "function then inserts one without a lock, so two concurrent calls both count the same "
        "rows and both insert past the limit; lock the parent row with {row_lock} before "
        "counting, or hold an opsgen lock (locks: in the spec) around the count and the insert"
    )
    #: The message for a hand-written get-or-create: a single-row query, and an insert in
    #: the handler of its not-found error.
    GET_MESSAGE = (
        "OPS207 this query finds no {model} row and the except handler then inserts one "
        "without a lock, so two concurrent calls both miss and both insert, and a later "
        "single-row query fails on the duplicate; add a unique constraint and insert first, handling "
        "IntegrityError (or use get_or_create() on the unique fields), or lock a parent row "
        "with {row_lock} first"
    )

    #: The message for ``get_or_create()`` on fields that no unique constraint covers.
    GET_OR_CREATE_MESSAGE = (
        "OPS207 {method}() looks up {model} by {fields}, which no unique constraint of the model "
        "covers, so two concurrent calls both miss and both insert, and later gets raise "
        "MultipleObjectsReturned; add a UniqueConstraint on those fields, and {method}() then "
        "returns the row of the insert that won"
    )
    #: The message for a count through a related manager compared with a limit.
    RELATED_LIMIT_MESSAGE = (
        "OPS207 this reads the rows of {manager} for a limit check, and the function then "
        "creates one without a lock, so two concurrent calls both count the same rows and "
        "both insert past the limit; lock the owner row with select_for_update() inside "
        "atomic() before counting, or hold an opsgen lock around the count and the insert"
    )

    def check(self, module: ModuleContext) -> Iterator[Finding]:
        if not is_test_path(module.relative_path) and not is_migration_path(module.path):
            yield from self.check_manager_shapes(module)
        catches = any(error in module.source for error in NOT_FOUND_ERRORS)
        candidates = {
            f.line: f
            for f in module.functions()
            if f.name != "<module>" and (self.may_check_then_insert(f) or (catches and self.may_get_then_insert(f)))
        }
        if not candidates or is_test_path(module.relative_path) or is_migration_path(module.path):
            return
        lines = module.source.splitlines()
        for node in function_nodes(module.tree, set(candidates)):
            text = "\n".join(lines[node.lineno - 1 : node.end_lineno])
            handles = ("IntegrityError" in text or "UniqueViolation" in text) and _catches_integrity_error(node)
            if not runs_in_pipeline(node) and not handles:
                yield from self.check_function(module, node, candidates[node.lineno])

    def check_manager_shapes(self, module: ModuleContext) -> Iterator[Finding]:
        """Report ``get_or_create()`` without a unique constraint, and a related-manager quota
        check before a create (see :mod:`opsgen.lint.insert_races`)."""
        lines = {
            f.line
            for f in module.functions()
            if f.name != "<module>"
            and any(call.text.rpartition(".")[2] in RELATED_INSERTS for call in f.calls)
        }
        for node in function_nodes(module.tree, lines):
            if runs_in_pipeline(node):
                continue
            for found in unbacked_get_or_creates(module, node):
                message = self.GET_OR_CREATE_MESSAGE.format(method=found.method, model=found.model, fields=", ".join(found.fields))
                yield module.finding(self.code, message, found.call.lineno, found.call.col_offset)
            for quota in related_quota_checks(node):
                message = self.RELATED_LIMIT_MESSAGE.format(manager=quota.manager)
                yield module.finding(self.code, message, quota.statement.lineno, quota.statement.col_offset)

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

    @staticmethod
    def may_get_then_insert(function: FunctionSummary) -> bool:
        """Return True when the function runs a single-row query and a later call may insert."""
        calls = function.calls
        gets = [call.line for call in calls if sync_method(call.text.rpartition(".")[2]) in SINGLE_ROW_TERMINALS]
        if not gets:
            return False
        builds = any(call.text[:1].isupper() and "." not in call.text for call in calls)
        # self.create(...): a manager inserting a row of its own model.
        manager_inserts = {f"self.{prefix}{method}" for method in MANAGER_INSERTS for prefix in ("", "a")}
        return any(call.line > min(gets) and (_may_insert(call.text, builds) or call.text in manager_inserts) for call in calls)

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

        def related(call: ast.Call) -> str:
            rows = manager_rows(module, call)
            return rows.model.rpartition(".")[2] if rows is not None else ""

        checked: dict[str, _Check] = {}  # name bound to an existence query -> the query
        built: dict[str, str] = {}  # name bound to ``Model(...)`` -> the model
        inserts: list[tuple[int, str]] = []  # (line, model) of each insert
        tests: list[tuple[ast.If | ast.While, _Check]] = []
        handled = _handled_gets(statements)
        for statement in statements:
            if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name):
                name, value = statement.targets[0].id, statement.value
                check = _existence_check(statement, value, related) if _spans(statement, check_lines) else None
                check = handled.get(id(statement), check)
                if check is not None:
                    checked[name] = check
                if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id[:1].isupper():
                    built[name] = value.func.id
            if isinstance(statement, (ast.If, ast.While)) and (checked or _spans(statement.test, check_lines)):
                check = self.check_in_test(statement, checked, related)
                if check is not None and (lock_line is None or lock_line > check.statement.lineno):
                    tests.append((statement, check))
            elif not isinstance(statement, COMPOUND) and _spans(statement, insert_lines):
                for node in walk_scope(statement):
                    if isinstance(node, ast.Call):
                        model = _inserted_model(node, built, related)
                        if model:
                            inserts.append((node.lineno, model))

        reported: set[int] = set()
        for test, check in tests:
            if check.statement.lineno in reported:
                continue
            end = test.end_lineno or test.lineno
            # A while loop that probes for a free value ends when the query finds no row,
            # so an insert after it depends on the check as one after an exiting if does.
            exits = isinstance(test, ast.While) or (bool(test.body) and isinstance(test.body[-1], ENDS_BLOCK))
            for line, model in inserts:
                if model == check.model and (test.lineno < line <= end or (exits and line > end)):
                    reported.add(check.statement.lineno)
                    orm = check.orm or module_orm(module.summary.imports)
                    counts = {name for name, bound in checked.items() if bound is check}
                    template = self.LIMIT_MESSAGE if _counts_against_limit(test.test, check, counts) else self.MESSAGE
                    message = template.format(model=model, row_lock=row_lock_remedy(orm))
                    yield module.finding(self.code, message, check.statement.lineno, check.statement.col_offset)
                    break

        for statement in statements:
            if isinstance(statement, ast.Try) and (lock_line is None or lock_line > statement.lineno):
                for finding in self.check_get_then_insert(module, statement):
                    if finding.line not in reported:
                        yield finding

    def check_get_then_insert(self, module: ModuleContext, statement: ast.Try) -> Iterator[Finding]:
        """Report a single-row query in a ``try`` whose not-found handler inserts a row of the same model."""
        gets = [node for body in statement.body for node in [body, *walk_scope(body)] if isinstance(node, ast.Call)]
        for call in gets:
            model, orm = _single_row_get(call)
            if not model:
                continue
            for handler in statement.handlers:
                if _catches_not_found(handler, model) and model in _handler_inserts(handler):
                    orm = orm or module_orm(module.summary.imports)
                    model_text = "self.model" if model == "self" else model
                    message = self.GET_MESSAGE.format(model=model_text, row_lock=row_lock_remedy(orm))
                    yield module.finding(self.code, message, call.lineno, call.col_offset)
                    return

    @staticmethod
    def check_in_test(test: ast.If | ast.While, checked: dict[str, _Check], related: RelatedModel | None = None) -> _Check | None:
        """Return the existence query an ``if`` or ``while`` tests, run in its test or bound to a name first."""
        check = _existence_check(test, test.test, related)
        if check is not None:
            return check
        for node in ast.walk(test.test):
            if isinstance(node, ast.Name) and node.id in checked:
                return checked[node.id]
        return None

    VALID = [
        # A unique constraint backs the lookup of get_or_create().
        "from django.db import models\n\n"
        "class Follow(models.Model):\n"
        "    follower = models.ForeignKey('auth.User', related_name='+', on_delete=models.CASCADE)\n"
        "    followee = models.ForeignKey('auth.User', related_name='+', on_delete=models.CASCADE)\n\n"
        "    class Meta:\n"
        "        unique_together = [('follower', 'followee')]\n\n"
        "def follow(follower, followee):\n"
        "    return Follow.objects.get_or_create(follower=follower, followee_id=followee.pk)\n",
        # The owner row is locked before the related rows are counted.
        "from django.db import transaction\n\n"
        "def add_key(account_id, label):\n"
        "    with transaction.atomic():\n"
        "        account = Account.objects.select_for_update().get(pk=account_id)\n"
        "        if account.api_keys.count() >= account.max_keys:\n"
        "            raise PermissionError('limit reached')\n"
        "        return account.api_keys.create(label=label)\n",
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
        # Insert first; the unique constraint decides and the handler reads the winner.
        "from django.db import IntegrityError, transaction\n\n"
        "def subscribe(email):\n"
        "    try:\n"
        "        with transaction.atomic():\n"
        "            return Subscriber.objects.create(email=email)\n"
        "    except IntegrityError:\n"
        "        return Subscriber.objects.get(email=email)\n",
        # The handler of a missing row inserts another model's row.
        "def open_cart(user):\n"
        "    try:\n"
        "        return Customer.objects.get(user=user)\n"
        "    except Customer.DoesNotExist:\n"
        "        return Visitor.objects.create(user=user)\n",
    ]
    INVALID = [
        # get_or_create() on fields that no unique constraint covers.
        "from django.db import models\n\n"
        "class Follow(models.Model):\n"
        "    follower = models.ForeignKey('auth.User', related_name='+', on_delete=models.CASCADE)\n"
        "    followee = models.ForeignKey('auth.User', related_name='+', on_delete=models.CASCADE)\n\n"
        "def follow(follower, followee):\n"
        "    return Follow.objects.get_or_create(follower=follower, followee=followee)  # OPS207\n",
        # A quota counted through a related manager, then a row created through it.
        "def add_key(account, label):\n"
        "    keys = account.api_keys.all()  # OPS207\n"
        "    if len(keys) >= account.max_keys:\n"
        "        raise PermissionError('limit reached')\n"
        "    return account.api_keys.create(label=label)\n",
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
        # A hand-written get-or-create.
        "def subscribe(email):\n"
        "    try:\n"
        "        return Subscriber.objects.get(email=email)  # OPS207\n"
        "    except Subscriber.DoesNotExist:\n"
        "        return Subscriber.objects.create(email=email)\n",
        # SQLAlchemy's form of it.
        "from sqlalchemy.exc import NoResultFound\n\n"
        "def tag(session, name):\n"
        "    try:\n"
        "        return session.query(Tag).filter_by(name=name).one()  # OPS207\n"
        "    except NoResultFound:\n"
        "        tag = Tag(name=name)\n"
        "        session.add(tag)\n"
        "        session.commit()\n"
        "        return tag\n",
        # The loop tries the next slug until none is taken, then inserts it.
        "def create_workspace(owner, base):\n"
        "    slug, n = base, 2\n"
        "    while Workspace.objects.filter(slug=slug).exists():  # OPS207\n"
        "        slug, n = f'{base}-{n}', n + 1\n"
        "    return Workspace.objects.create(slug=slug, owner=owner)\n",
        # A capacity checked with count(): only a lock can cap it.
        "def book(session, member):\n"
        "    taken = Booking.objects.filter(session=session).count()  # OPS207\n"
        "    if taken >= session.capacity:\n"
        "        raise ValueError('full')\n"
        "    return Booking.objects.create(session=session, member=member)\n",
    ]
