"""OPS104: a commit of a session or connection other than the operation's, inside its transaction."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

from opsgen.lint import knowledge
from opsgen.lint.analysis import MAX_CHAIN_DEPTH, Analysis
from opsgen.lint.index import ProjectIndex
from opsgen.lint.orm import FunctionSyntaxCache
from opsgen.lint.rule import Example, Finding, Hop, ModuleContext, Rule
from opsgen.lint.summary import CallSite, FunctionSummary, ModuleSummary, dotted_text

#: Callables that return a session, a session factory or an engine. A module-level name
#: bound to a call of one commits apart from the operation's session.
SESSION_FACTORIES = frozenset(
    {
        "sqlalchemy.create_engine",
        "sqlalchemy.engine.create_engine",
        "sqlalchemy.ext.asyncio.create_async_engine",
        "sqlalchemy.orm.Session",
        "sqlalchemy.orm.session.Session",
        "sqlalchemy.orm.sessionmaker",
        "sqlalchemy.orm.session.sessionmaker",
        "sqlalchemy.orm.scoped_session",
        "sqlalchemy.ext.asyncio.AsyncSession",
        "sqlalchemy.ext.asyncio.async_sessionmaker",
        "sqlalchemy.ext.asyncio.async_scoped_session",
        "sqlmodel.Session",
        "sqlmodel.create_engine",
    }
)

#: A project with Flask-SQLAlchemy's ``db`` and one operation whose spec says ``transaction: true``.
EXAMPLE_FILES = {
    "pyproject.toml": '[tool.opsgen]\nspecs = "specs"\n',
    "specs/rename_expense.yaml": "name: expenses.rename_expense\ntransaction: true\ninput:\n  expense_id: int\n  text: str\n",
    "expenses/__init__.py": "",
    "expenses/generated.py": "class RenameExpenseBase:\n    pass\n",
    "expenses/extensions.py": "from flask_sqlalchemy import SQLAlchemy\n\ndb = SQLAlchemy()\n",
    "expenses/models.py": "class Expense:\n    pass\n",
    "expenses/legacy.py": (
        "from expenses.extensions import db\n"
        "from expenses.models import Expense\n\n"
        "def set_description(expense_id, text):\n"
        "    expense = db.session.get(Expense, expense_id)\n"
        "    expense.description = text\n"
        "    db.session.commit()\n"
    ),
}
EXAMPLE_IMPORTS = (
    "from expenses.extensions import db\n"
    "from expenses.generated import RenameExpenseBase\n"
    "from expenses.legacy import set_description\n"
    "from expenses.models import Expense\n\n"
    "class RenameExpense(RenameExpenseBase):\n"
    "    def run(self, ctx, *, expense_id, text):\n"
)


@dataclass(frozen=True)
class Commit:
    """A call that commits a transaction of its own: ``db.session.commit()``, or the
    ``begin()`` of a ``with`` block, which commits when the block ends."""

    call: CallSite
    path: str
    committed: str  # the receiver as written, such as ``db.session`` or ``engine``

    @property
    def what(self) -> str:
        if self.call.text.endswith(".begin"):
            return f"opens a transaction on {self.committed} that commits when its with block ends"
        return f"commits {self.committed}"


class SeparateCommitInOperation(Rule):
    """Flags a commit of a session or connection other than ``ctx.session`` inside a transactional operation.

    What it does:
        For each operation whose spec says ``transaction: true``, looks at the calls of its
        ``run()`` and follows helper functions, methods and services into other modules,
        like OPS101 does for side effects. Reports a call that commits a transaction other
        than the operation's. That is ``db.session.commit()`` (Flask-SQLAlchemy), or
        ``commit()`` on a session the code creates (``Session(engine)``,
        ``SessionLocal()``, ``sessionmaker()()``) or on a ``scoped_session``. It is also a
        ``with session.begin():`` or ``with engine.begin():`` block on such a session or
        engine, and ``commit()`` on a connection from ``engine.connect()``. The finding sits on the call in ``run()`` and
        names the chain down to the commit. Not reported: ``ctx.session`` and names bound
        to it, ``flush()``, savepoints, nested operation calls, code deferred with
        ``ctx.after_commit(...)``, reads, and Django ORM writes, which join the
        operation's ``atomic()`` block under the Django runtime. A helper that commits a
        session it receives as a parameter is reported where a call passes it another
        session (``set_description(db.session, ...)``). A session passed on through a
        second call, or stored by a constructor (``self.session = session``), is taken
        for the caller's. There is no autofix: whether the write should join the
        operation, or stay independent as an operation of its own, is a decision about
        the helper's other callers too.

    Why is this bad:
        The runtime runs ``run()`` inside one transaction on ``ctx.session`` and rolls it
        back when the call fails. A commit on another session or connection ends a
        second, independent transaction, so the write it covers is already durable when
        the operation rolls back, and half of the change survives. The execution log then
        records a failed call whose effects are partly in the database.

    Example:
        def set_description(expense_id, text):
            expense = db.session.get(Expense, expense_id)
            expense.description = text
            db.session.commit()

        class RenameExpense(RenameExpenseBase):
            def run(self, ctx, *, expense_id, text):
                set_description(expense_id, text)

    Use instead:
        def set_description(session, expense_id, text):
            expense = session.get(Expense, expense_id)
            expense.description = text

        class RenameExpense(RenameExpenseBase):
            def run(self, ctx, *, expense_id, text):
                set_description(ctx.session, expense_id, text)
    """

    code = "OPS104"
    name = "separate-commit-in-operation"
    MESSAGE = (
        "OPS104 {subject} {what}, outside the transaction of operation {operation}: the write commits on its "
        "own and survives the operation's rollback; write through {context}.session or pass {context}.session "
        "to the helper (give the runtime the application's engine, such as Runtime(engine=db.engine), so that "
        "{context}.session reaches its tables), or move the write into an operation of its own"
    )
    NO_FIX_REASON = (
        "whether the write joins the operation through its session or becomes an operation of its own "
        "also changes the helper's other callers, so a person must choose"
    )

    def check(self, module: ModuleContext) -> Iterator[Finding]:
        analysis = module.analysis
        if not analysis.operations:
            return
        search: _CommitSearch | None = None
        for function in module.functions():
            operation = analysis.operation_of(function)
            if operation is None or not operation.transaction:
                continue
            search = search or _CommitSearch(module.index, analysis)
            context = function.params[1] if len(function.params) > 1 else "ctx"
            for call in function.calls:
                found = search.commit_at(module.summary, function, call)
                hops: tuple[Hop, ...] = ()
                if found is None:
                    chain = search.chain_from(module.summary, function, call)
                    if chain is None:
                        continue
                    found, hops = chain
                subject = f"{call.text}()"
                if hops:
                    where = module.index.relative(found.path)
                    subject = f"{call.text}() leads to {found.call.text}() at {where}:{found.call.line}, which"
                message = self.MESSAGE.format(
                    subject=subject, what=found.what, operation=operation.name, context=context
                )
                yield module.finding(self.code, message, call.line, call.column, hops, None, self.NO_FIX_REASON)

    VALID = [
        Example(
            EXAMPLE_IMPORTS
            + "        expense = ctx.session.get(Expense, expense_id)\n"
            + "        expense.description = text\n"
            + "        ctx.session.flush()\n",
            path="expenses/rename_expense.py",
            files=EXAMPLE_FILES,
        ),
        # Work deferred until after the operation's commit may commit a session of its own.
        Example(
            EXAMPLE_IMPORTS + "        ctx.after_commit(set_description, expense_id, text)\n",
            path="expenses/rename_expense.py",
            files=EXAMPLE_FILES,
        ),
    ]
    INVALID = [
        Example(
            EXAMPLE_IMPORTS
            + "        expense = db.session.get(Expense, expense_id)\n"
            + "        expense.description = text\n"
            + "        db.session.commit()  # OPS104\n",
            path="expenses/rename_expense.py",
            files=EXAMPLE_FILES,
        ),
        Example(
            EXAMPLE_IMPORTS + "        set_description(expense_id, text)  # OPS104\n",
            path="expenses/rename_expense.py",
            files=EXAMPLE_FILES,
        ),
    ]


class _CommitSearch:
    """Finds separate commits in a function and down its calls, for one rule check.

    Results are kept by function for the check that created the search only, so a rule
    keeps no state between modules.
    """

    def __init__(self, index: ProjectIndex, analysis: Analysis) -> None:
        self.index = index
        self.analysis = analysis
        self.chains: dict[str, tuple[Commit, tuple[Hop, ...]] | None] = {}
        self.parameter_commit_cache: dict[str, dict[str, tuple[CallSite, str]]] = {}
        self.syntax = FunctionSyntaxCache(index)
        self.in_progress: set[str] = set()

    def chain_from(
        self, module: ModuleSummary, function: FunctionSummary, call: CallSite
    ) -> tuple[Commit, tuple[Hop, ...]] | None:
        """Return the commit that a call of a project function leads to, and the hops after the call."""
        best: tuple[Commit, tuple[Hop, ...]] | None = None
        for link in self.analysis.links(function, call):
            if link.qualname == function.qualname:
                continue
            below = self.function_chain(link.qualname)
            if below is None and link.entry is None:
                below = self.argument_commit(module, function, call, link.qualname)
            if below is None:
                continue
            commit, hops = below
            entry = (link.entry,) if link.entry else ()
            candidate = (commit, (*entry, *hops))
            if best is None or len(candidate[1]) < len(best[1]):
                best = candidate
        return best

    def argument_commit(
        self, module: ModuleSummary, function: FunctionSummary, call: CallSite, callee: str
    ) -> tuple[Commit, tuple[Hop, ...]] | None:
        """Return the commit a callee makes on the session parameter that ``call`` passes
        another session to, such as ``set_description(db.session, ...)``.

        NOTE: only the callee's own commits count. A session passed on through a second
        call before the commit is taken for the caller's and not reported.
        """
        commits = self.parameter_commits(callee)
        if not commits:
            return None
        entry = self.index.functions.get(callee)
        node = self.syntax(module, function).call_node(call)
        if entry is None or node is None:
            return None
        callee_function = entry[1]
        positional = list(callee_function.params)
        if callee_function.class_name and positional[:1] in (["self"], ["cls"]):
            positional = positional[1:]
        passed = {name: argument for name, argument in zip(positional, node.args) if not isinstance(argument, ast.Starred)}
        passed.update({keyword.arg: keyword.value for keyword in node.keywords if keyword.arg})
        for parameter, (commit_call, receiver) in commits.items():
            argument = passed.get(parameter)
            if argument is None:
                continue
            text = dotted_text(argument)
            if self.is_other_session(module, function, text, call.line):
                committed = text + receiver[len(parameter) :]
                commit = Commit(commit_call, entry[0].path, committed)
                return commit, (Hop(entry[0].path, commit_call.line, commit_call.column, commit_call.text),)
        return None

    def parameter_commits(self, qualname: str) -> dict[str, tuple[CallSite, str]]:
        """Return, by parameter name, the first commit the function makes on a session it
        receives as that parameter, with the receiver as written."""
        if qualname in self.parameter_commit_cache:
            return self.parameter_commit_cache[qualname]
        found: dict[str, tuple[CallSite, str]] = {}
        entry = self.index.functions.get(qualname)
        if entry is not None:
            function = entry[1]
            parameters = [name for name in function.params if name not in ("self", "cls")]
            for call in function.calls:
                receiver, _, method = call.text.rpartition(".")
                if method == "begin" and not _opens_session_block(function, call):
                    continue
                if method not in ("commit", "begin") or "()" in receiver:
                    continue
                root = receiver.partition(".")[0]
                if root in parameters and root not in found:
                    found[root] = (call, receiver)
        self.parameter_commit_cache[qualname] = found
        return found

    def is_other_session(self, module: ModuleSummary, function: FunctionSummary, text: str, line: int) -> bool:
        """Return True when the expression ``text``, passed at ``line``, is a session, an engine
        or a connection other than the one ``function`` was given."""
        root = text.partition(".")[0]
        parameters = [name for name in function.params if name not in ("self", "cls")]
        if "()" not in text and root in parameters:
            return False
        if root in module.imports:
            text = module.imports[root] + text[len(root) :]
        elif root != "self":
            bound = self.syntax(module, function).local_value(root, line)
            if bound is not None:
                if "()" not in bound and bound.partition(".")[0] in parameters:
                    return False
                text = bound + text[len(root) :]
        else:
            return False  # an attribute of self, whose origin the summary does not keep
        return _looks_like_session(text) or self.bound_to_factory(text)

    def function_chain(self, qualname: str) -> tuple[Commit, tuple[Hop, ...]] | None:
        """Return the first separate commit the function makes, itself or through its calls,
        with the hops from its own call down to the commit."""
        if qualname in self.chains:
            return self.chains[qualname]
        entry = self.index.functions.get(qualname)
        if entry is None or qualname in self.in_progress or len(self.in_progress) >= MAX_CHAIN_DEPTH:
            return None
        module, function = entry
        if self.analysis.operation_of(function) is not None:
            # Another operation's run(): a nested call goes through the pipeline, which
            # joins or savepoints the caller's transaction, and its body is checked on its own.
            self.chains[qualname] = None
            return None

        self.in_progress.add(qualname)
        found: tuple[Commit, tuple[Hop, ...]] | None = None
        for call in function.calls:
            commit = self.commit_at(module, function, call)
            if commit is not None:
                found = (commit, (Hop(module.path, call.line, call.column, call.text),))
                break
        if found is None:
            for call in function.calls:
                below = self.chain_from(module, function, call)
                if below is None:
                    continue
                commit, hops = below
                candidate = (commit, (Hop(module.path, call.line, call.column, call.text), *hops))
                if found is None or len(candidate[1]) < len(found[1]):
                    found = candidate
        self.in_progress.discard(qualname)
        self.chains[qualname] = found
        return found

    def commit_at(self, module: ModuleSummary, function: FunctionSummary, call: CallSite) -> Commit | None:
        """Return the separate commit that ``call`` itself makes, or None."""
        receiver, _, method = call.text.rpartition(".")
        if not receiver or knowledge.is_http_session(receiver):
            return None
        if method == "begin":
            if not _opens_session_block(function, call):
                return None  # a plain begin() commits nothing, so the later commit() is reported
        elif method != "commit":
            return None

        root = receiver.partition(".")[0]
        parameters = [name for name in function.params if name not in ("self", "cls")]
        if "()" not in receiver and root in parameters:
            return None  # the caller's session, so argument_commit() checks what each call passes
        if root == "self" and function.class_name:
            attribute = receiver.split(".")[1] if receiver.count(".") else ""
            if "()" not in receiver and self.set_from_parameter(function.class_name, attribute):
                return None  # self.session = session in the constructor: the caller's session
            target = call.target or ""
            if not target or target.startswith(f"{function.class_name}()."):
                return None  # an attribute of unknown origin
        resolved = (call.target or call.text).rpartition(".")[0]
        if root != "self" and root not in module.imports:
            bound = self.syntax(module, function).local_value(root, call.line)
            if bound is not None and "()" not in bound and bound.partition(".")[0] in parameters:
                return None  # session = ctx.session
            if bound is not None and call.target is None:
                resolved = bound + receiver[len(root) :]  # own = ctx.runtime.session_factory()
        if resolved.endswith("begin_nested()"):
            return None  # the savepoint of a session, which commits nothing on its own
        if not (_looks_like_session(resolved) or self.bound_to_factory(resolved)):
            return None
        return Commit(call, module.path, receiver)

    def set_from_parameter(self, class_name: str, attribute: str) -> bool:
        """Return True when a method of the class, or of a base, sets ``self.<attribute>`` to one of its parameters."""
        for klass in self.analysis.mro(class_name):
            entry = self.index.classes.get(klass)
            if entry is None:
                continue
            for method in entry[1].methods:
                found = self.index.functions.get(f"{klass}.{method}")
                if found is not None and attribute in found[1].parameter_attributes:
                    return True
        return False

    def bound_to_factory(self, qualified: str) -> bool:
        """Return True when a module-level name of the project is bound to a session, a session
        factory or an engine: ``Scoped = scoped_session(sessionmaker(bind=engine))``."""
        name = qualified.partition("()")[0]
        owner, _, attribute = name.rpartition(".")
        summary = self.index.by_module.get(owner)
        if summary is None:
            return False
        tree = self.index.tree(summary.path)
        if tree is None:
            return False
        context = ModuleContext(self.index, summary)
        for statement in tree.body:
            if not isinstance(statement, ast.Assign) or not isinstance(statement.value, ast.Call):
                continue
            if any(isinstance(t, ast.Name) and t.id == attribute for t in statement.targets):
                return context.qualify(statement.value.func) in SESSION_FACTORIES
        return False


def _opens_session_block(function: FunctionSummary, call: CallSite) -> bool:
    """Return True when the ``begin()`` call opens a ``with`` block that commits at its end."""
    return any(
        block.kind == "session" and block.line <= call.line <= block.end_line and block.parent == call.transaction
        for block in function.transactions
    )


def _looks_like_session(resolved: str) -> bool:
    """Return True when a receiver, qualified where possible, names a database session or an engine.

    ``app.extensions.db.session``, ``app.database.SessionLocal()``,
    ``sqlalchemy.orm.Session()`` and ``app.database.engine.connect()`` all do. The last is
    what the summary resolves a ``conn`` bound to ``engine.connect()`` to. A
    ``transaction`` or a Django ``connection`` does not.
    """
    if any(resolved.startswith(kind) for kind in knowledge.SESSION_TYPES):
        return True
    for part in resolved.split("."):
        bare = part.removesuffix("()").lower()
        if "session" in bare or bare.endswith("engine"):
            return True
    return False
