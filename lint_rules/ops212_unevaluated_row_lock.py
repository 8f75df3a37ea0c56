"""OPS212: a locking query built as a statement of its own, which never runs."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from opsgen.lint.knowledge import QUERYSET_STEPS
from opsgen.lint.orm import ROW_LOCKS, is_migration_path, scope_nodes, through_session
from opsgen.lint.summary import function_nodes
from opsgen.lint.query_chains import call_chain
from opsgen.lint.rule import Finding, ModuleContext, Rule

#: Steps that build a query without running it: Django's queryset methods and SQLAlchemy's
#: ``select()`` and ``Query`` builders.
LAZY_STEPS = QUERYSET_STEPS | ROW_LOCKS | frozenset({"where", "filter_by", "limit", "offset", "join", "options", "execution_options"})
#: Functions and methods that start a SQLAlchemy query of the model given first.
SQLALCHEMY_QUERIES = frozenset({"select", "query"})


def _model(chain: ast.expr) -> str | None:
    """Return the model a query chain reads: ``Seat`` of ``Seat.objects.filter(...)``,
    ``select(Seat).where(...)``, ``session.query(Seat)`` or ``session.get(Seat, pk)``."""
    steps, root = call_chain(chain)
    names = [name for name, _ in steps]
    if "objects" in names and isinstance(root, ast.Name):
        return root.id
    for name, call in steps:
        if name in SQLALCHEMY_QUERIES and call is not None and call.args:
            return ast.unparse(call.args[0])
        if name == "get" and call is not None and len(call.args) >= 2 and through_session(ast.unparse(call.func)):
            return ast.unparse(call.args[0])  # session.get(Account, account_id)
    if isinstance(root, ast.Call) and isinstance(root.func, ast.Name) and root.func.id in SQLALCHEMY_QUERIES and root.args:
        return ast.unparse(root.args[0])
    return None


def _unevaluated_lock(statement: ast.stmt) -> str | None:
    """Return the model of a statement that only builds a locking query, or None."""
    if not (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call)):
        return None
    steps, _ = call_chain(statement.value)
    if not steps or steps[-1][0] not in LAZY_STEPS or not any(name in ROW_LOCKS for name, _ in steps):
        return None  # list(query), get() or an execute() runs the query
    return _model(statement.value)


class UnevaluatedRowLock(Rule):
    """Flags ``select_for_update()`` or ``with_for_update()`` on a query that is never run.

    What it does:
        Reports a statement that only builds a locking query, such as
        ``Seat.objects.select_for_update().filter(...)`` or
        ``select(Seat).where(...).with_for_update()`` written on a line of its own. Django
        querysets and SQLAlchemy statements run only when they are evaluated or executed,
        so such a line sends no ``SELECT ... FOR UPDATE`` and locks nothing. The finding
        sits on the next query of the same model in the function, the read that the lock
        was meant to cover, or on the statement when no such read follows. A read that
        takes its own lock is not reported.

    Why is this bad:
        The code reads as if the rows were locked, but two concurrent calls read and change
        them at the same time, and one change is lost or two customers get the same seat.

    Example:
        with transaction.atomic():
            Seat.objects.select_for_update().filter(event=event)
            seats = list(Seat.objects.filter(event=event))

    Use instead:
        with transaction.atomic():
            seats = list(Seat.objects.select_for_update().filter(event=event))
    """

    code = "OPS212"
    name = "missing-lock"
    scope = "module"
    MESSAGE = (
        "OPS212 {model} rows are read here without a lock: the {lock}() on line {line} only "
        "builds a query that is never run, so it locks nothing; lock the rows in the query "
        "that reads them, as in {remedy}"
    )
    ALONE_MESSAGE = (
        "OPS212 this {lock}() query is never run, so it locks nothing; evaluate it where the "
        "rows are read, as in {remedy}"
    )

    def check(self, module: ModuleContext) -> Iterator[Finding]:
        source = module.source
        if is_migration_path(module.path) or ("select_for_update" not in source and "with_for_update" not in source):
            return
        candidates = {
            function.line
            for function in module.functions()
            if function.name != "<module>" and any(call.text.endswith(("select_for_update", "with_for_update")) for call in function.calls)
        }
        for node in function_nodes(module.tree, candidates):
            yield from self.check_function(module, node)

    def check_function(self, module: ModuleContext, function: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterator[Finding]:
        nodes = list(scope_nodes(function.body))
        for statement in nodes:
            if not isinstance(statement, ast.stmt):
                continue
            model = _unevaluated_lock(statement)
            if model is None:
                continue
            lock = "select_for_update" if "select_for_update" in ast.unparse(statement) else "with_for_update"
            read = self.next_read(nodes, statement, model)
            remedy = self.remedy(lock, model, read)
            if read is None:
                yield module.finding(self.code, self.ALONE_MESSAGE.format(lock=lock, remedy=remedy), statement.lineno, statement.col_offset)
                continue
            if any(name in ROW_LOCKS for name, _ in call_chain(read)[0]):
                continue  # the read takes its own lock; the line above is only dead code
            message = self.MESSAGE.format(model=model, lock=lock, line=statement.lineno, remedy=remedy)
            yield module.finding(self.code, message, read.lineno, read.col_offset)

    @staticmethod
    def remedy(lock: str, model: str, read: ast.Call | None) -> str:
        """Return the locking form of the read, or of a typical read when there is none."""
        last = call_chain(read)[0][-1][0] if read is not None else ""
        if lock == "select_for_update":
            if last in ("get", "first", "last"):
                return f"{model}.objects.select_for_update().{last}(...)"
            return f"list({model}.objects.select_for_update().filter(...))"
        if last == "get":
            return f"session.get({model}, ..., with_for_update=True)"
        return f"session.scalars(select({model}).where(...).with_for_update()).all()"

    @staticmethod
    def next_read(nodes: list[ast.AST], statement: ast.stmt, model: str) -> ast.Call | None:
        """Return the outermost query call of ``model`` that starts after ``statement``."""
        after = statement.end_lineno or statement.lineno
        reads = [
            node
            for node in nodes
            if isinstance(node, ast.Call) and node.lineno > after and isinstance(node.func, ast.Attribute) and _model(node) == model
        ]
        if not reads:
            return None
        return min(reads, key=lambda node: (node.lineno, node.col_offset, -(node.end_col_offset or 0)))

    VALID = [
        # The locking queryset itself is evaluated.
        "from django.db import transaction\n\n"
        "def hold(event):\n"
        "    with transaction.atomic():\n"
        "        seats = list(Seat.objects.select_for_update().filter(event=event))\n"
        "        return seats\n",
        # A statement that locks and a read that takes its own lock too.
        "def hold(session, event_id):\n"
        "    select(Seat).where(Seat.event_id == event_id).with_for_update()\n"
        "    return session.scalars(select(Seat).where(Seat.event_id == event_id).with_for_update()).all()\n",
        # A queryset bound to a name is evaluated where it is used.
        "def hold(event):\n"
        "    locked = Seat.objects.select_for_update().filter(event=event)\n"
        "    return list(locked)\n",
    ]
    INVALID = [
        "from django.db import transaction\n\n"
        "def hold(event, customer):\n"
        "    with transaction.atomic():\n"
        "        Seat.objects.select_for_update().filter(event=event)\n"
        "        seats = list(Seat.objects.filter(event=event))  # OPS212\n"
        "        return seats\n",
        "def lock_account(session, account_id):\n"
        "    session.query(Account).filter_by(id=account_id).with_for_update()  # OPS212\n"
        "    session.commit()\n",
    ]
