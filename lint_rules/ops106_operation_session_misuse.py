"""OPS106: operation code that ends the transaction the runtime owns, or uses a session it does not have."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

from opsgen.lint.analysis import MAX_CHAIN_DEPTH, Analysis
from opsgen.lint.index import ProjectIndex
from opsgen.lint.operations import OperationInfo
from opsgen.lint.orm import FunctionSyntaxCache
from opsgen.lint.rule import Example, Finding, Hop, ModuleContext, Rule, walk_scope
from opsgen.lint.summary import CallSite, FunctionSummary, ModuleSummary, dotted_text, function_nodes

#: Session methods that end or restart the operation's transaction: method -> (what the
#: call does, what then happens under the runtime). ``__exit__`` is the end of a
#: ``with ctx.session:`` block, which closes the session.
ENDING_METHODS = {
    "commit": ("commits {session}", "the runtime raises TransactionOwnedError"),
    "rollback": (
        "rolls back {session}",
        "the whole transaction is undone and the call fails with transaction_rolled_back",
    ),
    "close": (
        "closes {session}",
        "the writes so far are rolled back and the call fails with commit_failed on the closed connection",
    ),
    "begin": ("begins a transaction on {session}", "SQLAlchemy raises InvalidRequestError because a transaction is already begun"),
    "__exit__": (
        "closes {session} at the end of its block",
        "the writes so far are rolled back and the call fails with commit_failed on the closed connection",
    ),
}

#: A project with one operation whose spec says ``transaction: true`` and a helper that commits the session it is given.
EXAMPLE_FILES = {
    "pyproject.toml": '[tool.opsgen]\nspecs = "specs"\n',
    "specs/close_invoice.yaml": "name: billing.close_invoice\ntransaction: true\ninput:\n  invoice_id: int\n",
    "specs/invoice_report.yaml": "name: billing.invoice_report\ninput:\n  invoice_id: int\n",
    "billing/__init__.py": "",
    "billing/generated.py": "class CloseInvoiceBase:\n    pass\n\n\nclass InvoiceReportBase:\n    pass\n",
    "billing/models.py": "class Invoice:\n    pass\n\n\nclass InvoiceNumber:\n    pass\n",
    "billing/numbers.py": (
        "from billing.models import InvoiceNumber\n\n"
        "def reserve_number(session, invoice):\n"
        "    session.add(InvoiceNumber(invoice_id=invoice.id))\n"
        "    session.commit()\n"
    ),
}
EXAMPLE_IMPORTS = (
    "from billing.generated import CloseInvoiceBase, InvoiceReportBase\n"
    "from billing.models import Invoice, InvoiceNumber\n"
    "from billing.numbers import reserve_number\n\n"
    "class CloseInvoice(CloseInvoiceBase):\n"
    "    def run(self, ctx, *, invoice_id):\n"
    "        invoice = ctx.session.get(Invoice, invoice_id)\n"
    "        invoice.status = 'closed'\n"
)


@dataclass(frozen=True)
class SessionEnd:
    """A call that ends or restarts the operation's transaction, such as ``ctx.session.commit()``,
    or a ``with ctx.session:`` block, which closes the session when it ends."""

    path: str
    line: int
    column: int
    text: str  # the callee, such as ``ctx.session.commit``, or the session of a with block
    method: str  # a key of ENDING_METHODS

    @property
    def shown(self) -> str:
        return f"`with {self.text}:`" if self.method == "__exit__" else f"{self.text}()"

    @property
    def hop(self) -> Hop:
        name = f"with {self.text}" if self.method == "__exit__" else self.text
        return Hop(self.path, self.line, self.column, name)


@dataclass(frozen=True)
class SessionNames:
    """The names that refer to the operation's context and to its session inside one function."""

    contexts: frozenset[str] = frozenset()  # the ExecutionContext, such as ``ctx``
    sessions: frozenset[str] = frozenset()  # ``ctx.session`` received as a parameter

    def __bool__(self) -> bool:
        return bool(self.contexts or self.sessions)


class OperationSessionMisuse(Rule):
    """Flags ``ctx.session.commit()``, ``rollback()``, ``close()`` and ``begin()`` in a transactional operation, and ``ctx.session`` in one without a transaction.

    What it does:
        For each operation whose spec says ``transaction: true``, looks at the calls of its
        ``run()`` and follows the project functions and methods it calls, as OPS104 does.
        Reports ``commit()``, ``rollback()``, ``close()`` and ``begin()`` (bare or as
        ``with ctx.session.begin():``) on ``ctx.session``, and ``with ctx.session:``,
        which closes the session at the end of the block. The session also counts when it
        is reached through a local name bound to it (``session = ctx.session``). So does
        a helper that receives the context (``self.save(ctx)``) or the session
        (``reserve_number(ctx.session, ...)``) as a parameter and makes one of these
        calls on it, directly or through further such helpers. A session stored on an
        object first (``self.session = session`` in a constructor) is not followed, nor
        one passed through ``*args`` or ``**kwargs``. The finding sits on the
        call in ``run()`` and names the chain down to the call that ends the transaction.
        Not reported: ``begin_nested()`` and the ``commit()`` or ``rollback()`` of the
        savepoint it returns, ``flush()``, nested operation calls, code deferred with
        ``ctx.after_commit(...)``, and commits of other sessions, which OPS104 reports.
        For an operation whose spec declares no transaction, reports the first use of
        ``ctx.session`` in ``run()`` itself, with a message of its own. Helpers are not
        followed there. There is no autofix: deleting a ``commit()`` is safe only when
        nothing after it depends on the data being durable, and replacing a
        ``rollback()`` needs to know which statements it was meant to undo.

    Why is this bad:
        The runtime begins the transaction on ``ctx.session`` before it calls ``run()``,
        and commits it when ``run()`` returns, after writing the execution record and the
        durable effects in it. So ``ctx.session.commit()`` raises
        ``TransactionOwnedError``. ``ctx.session.rollback()`` undoes the whole
        transaction, with what joined operation calls wrote in it, and the call fails
        with ``transaction_rolled_back``. ``close()`` rolls the transaction back and
        closes its connection, so the runtime's commit fails and the call with it
        (``commit_failed``). ``begin()`` raises ``InvalidRequestError`` because a
        transaction is already begun. In an operation without ``transaction:``,
        reading ``ctx.session`` raises ``NoTransactionError``. A unit test that hands
        ``run()`` a plain session lets the commit and the rollback pass, so they fail
        only under the runtime.

    Example:
        def reserve_number(session, invoice):
            session.add(InvoiceNumber(invoice_id=invoice.id))
            session.commit()

        class CloseInvoice(CloseInvoiceBase):
            def run(self, ctx, *, invoice_id):
                invoice = ctx.session.get(Invoice, invoice_id)
                reserve_number(ctx.session, invoice)

    Use instead:
        def reserve_number(session, invoice):
            with session.begin_nested():
                session.add(InvoiceNumber(invoice_id=invoice.id))

        class CloseInvoice(CloseInvoiceBase):
            def run(self, ctx, *, invoice_id):
                invoice = ctx.session.get(Invoice, invoice_id)
                reserve_number(ctx.session, invoice)
    """

    code = "OPS106"
    name = "operation-session-misuse"
    MESSAGE = (
        "OPS106 {subject} {action} in operation {operation}, whose transaction the runtime owns: {outcome}; "
        "return or raise instead, use `with {context}.session.begin_nested():` for a statement that may fail, "
        "or split the work into operations"
    )
    NO_TRANSACTION_MESSAGE = (
        "OPS106 {context}.session in operation {operation}, whose spec declares no transaction: the runtime "
        "raises NoTransactionError; add `transaction: true` to the spec and regenerate, or use "
        "`with {context}.runtime.session_factory() as session:`"
    )
    NO_FIX_REASON = (
        "removing the call changes when the writes become durable or which of them are undone, "
        "so a person must choose between returning, a savepoint and separate operations"
    )
    NO_TRANSACTION_FIX_REASON = (
        "a transaction in the spec changes how all of the operation's writes commit, and a session "
        "of its own commits apart from the runtime, so a person must choose"
    )

    def check(self, module: ModuleContext) -> Iterator[Finding]:
        analysis = module.analysis
        if not analysis.operations:
            return
        search: _SessionEndSearch | None = None
        for function in module.functions():
            operation = analysis.operation_of(function)
            if operation is None:
                continue
            context = function.params[1] if len(function.params) > 1 else "ctx"
            if not operation.transaction:
                yield from self.sessions_without_transaction(module, function, operation, context)
                continue

            search = search or _SessionEndSearch(module.index, analysis)
            names = SessionNames(contexts=frozenset({context}))
            for block in search.session_blocks(module.summary, function, names):
                yield self.report(module, operation.name, context, block.line, block.column, block, (), "")
            for call in function.calls:
                found = search.end_at(module.summary, function, names, call)
                hops: tuple[Hop, ...] = ()
                if found is None:
                    chain = search.chain_from(module.summary, function, names, call)
                    if chain is None:
                        continue
                    found, hops = chain
                yield self.report(module, operation.name, context, call.line, call.column, found, hops, call.text)

    def report(
        self,
        module: ModuleContext,
        operation: str,
        context: str,
        line: int,
        column: int,
        found: SessionEnd,
        hops: tuple[Hop, ...],
        called: str,
    ) -> Finding:
        """Return the finding at ``line`` for ``found``, reached through the call ``called`` when there are hops."""
        subject = found.shown
        if hops:
            where = module.index.relative(found.path)
            subject = f"{called}() leads to {found.shown} at {where}:{found.line}, which"
        action, outcome = ENDING_METHODS[found.method]
        message = self.MESSAGE.format(
            subject=subject,
            action=action.format(session=f"{context}.session"),
            operation=operation,
            outcome=outcome,
            context=context,
        )
        return module.finding(self.code, message, line, column, hops, None, self.NO_FIX_REASON)

    def sessions_without_transaction(
        self, module: ModuleContext, function: FunctionSummary, operation: OperationInfo, context: str
    ) -> Iterator[Finding]:
        """Yield a finding on the first ``<context>.session`` in the ``run()`` of an operation
        without a transaction, where the runtime raises."""
        for node in function_nodes(module.tree, {function.line}):
            uses = [
                inner
                for inner in walk_scope(node)
                if isinstance(inner, ast.Attribute)
                and inner.attr == "session"
                and isinstance(inner.value, ast.Name)
                and inner.value.id == context
            ]
            if not uses:
                continue
            first = min(uses, key=lambda attribute: (attribute.lineno, attribute.col_offset))
            message = self.NO_TRANSACTION_MESSAGE.format(context=context, operation=operation.name)
            yield module.finding(
                self.code, message, first.lineno, first.col_offset, (), None, self.NO_TRANSACTION_FIX_REASON
            )

    VALID = [
        Example(
            EXAMPLE_IMPORTS
            + "        with ctx.session.begin_nested():\n"
            + "            ctx.session.add(InvoiceNumber(invoice_id=invoice.id))\n"
            + "        ctx.session.flush()\n",
            path="billing/close_invoice.py",
            files=EXAMPLE_FILES,
        ),
        # A savepoint that operation code opens is its own to commit or roll back.
        Example(
            EXAMPLE_IMPORTS
            + "        savepoint = ctx.session.begin_nested()\n"
            + "        ctx.session.add(InvoiceNumber(invoice_id=invoice.id))\n"
            + "        savepoint.commit()\n",
            path="billing/close_invoice.py",
            files=EXAMPLE_FILES,
        ),
    ]
    INVALID = [
        Example(
            EXAMPLE_IMPORTS + "        ctx.session.commit()  # OPS106\n",
            path="billing/close_invoice.py",
            files=EXAMPLE_FILES,
        ),
        Example(
            EXAMPLE_IMPORTS + "        reserve_number(ctx.session, invoice)  # OPS106\n",
            path="billing/close_invoice.py",
            files=EXAMPLE_FILES,
        ),
        # The spec of billing.invoice_report declares no transaction.
        Example(
            "from billing.generated import InvoiceReportBase\n"
            "from billing.models import Invoice\n\n"
            "class InvoiceReport(InvoiceReportBase):\n"
            "    def run(self, ctx, *, invoice_id):\n"
            "        return ctx.session.get(Invoice, invoice_id)  # OPS106\n",
            path="billing/invoice_report.py",
            files=EXAMPLE_FILES,
        ),
    ]


class _SessionEndSearch:
    """Finds calls that end the operation's transaction in a function and down its calls, for one rule check.

    Results are kept by function and by the names that refer to the context and the
    session there, for the check that created the search only.
    """

    def __init__(self, index: ProjectIndex, analysis: Analysis) -> None:
        self.index = index
        self.analysis = analysis
        self.chains: dict[tuple[str, SessionNames], tuple[SessionEnd, tuple[Hop, ...]] | None] = {}
        self.syntax = FunctionSyntaxCache(index)
        self.in_progress: set[str] = set()

    def end_at(
        self, module: ModuleSummary, function: FunctionSummary, names: SessionNames, call: CallSite
    ) -> SessionEnd | None:
        """Return the end of the operation's transaction that ``call`` itself makes, or None."""
        receiver, _, method = call.text.rpartition(".")
        if method not in ENDING_METHODS or not self.is_session(module, function, names, receiver, call.line):
            return None
        return SessionEnd(module.path, call.line, call.column, call.text, method)

    def session_blocks(self, module: ModuleSummary, function: FunctionSummary, names: SessionNames) -> list[SessionEnd]:
        """Return the ``with`` blocks of ``function`` on the operation's session itself, which close it at their end."""
        blocks: list[SessionEnd] = []
        for item in self.syntax(module, function).with_items:
            if self.is_session(module, function, names, item.text, item.block_line):
                blocks.append(SessionEnd(module.path, item.line, item.column, item.text, "__exit__"))
        return blocks

    def is_session(
        self, module: ModuleSummary, function: FunctionSummary, names: SessionNames, text: str, line: int
    ) -> bool:
        """Return True when the expression ``text`` at ``line`` is the operation's session."""
        if text in names.sessions or _is_context_session(text, names):
            return True
        if "." in text or "(" in text or text in function.params:
            return False
        bound = self.syntax(module, function).local_value(text, line)
        return bound is not None and (bound in names.sessions or _is_context_session(bound, names))

    def chain_from(
        self, module: ModuleSummary, function: FunctionSummary, names: SessionNames, call: CallSite
    ) -> tuple[SessionEnd, tuple[Hop, ...]] | None:
        """Return the end of the transaction that a call of a project function leads to, and the hops after the call."""
        node: ast.Call | None = None
        best: tuple[SessionEnd, tuple[Hop, ...]] | None = None
        for link in self.analysis.links(function, call):
            if link.qualname == function.qualname or link.entry is not None:
                continue  # a signal receiver is not given the context or the session
            entry = self.index.functions.get(link.qualname)
            if entry is None:
                continue
            node = node or self.syntax(module, function).call_node(call)
            if node is None:
                return None
            passed = self.passed_names(module, function, names, node, entry[1])
            if not passed:
                continue
            below = self.function_chain(link.qualname, passed)
            if below is not None and (best is None or len(below[1]) < len(best[1])):
                best = below
        return best

    def passed_names(
        self,
        module: ModuleSummary,
        function: FunctionSummary,
        names: SessionNames,
        node: ast.Call,
        callee: FunctionSummary,
    ) -> SessionNames:
        """Return the parameters of ``callee`` that the call ``node`` gives the context or the session."""
        positional = list(callee.params)
        if callee.class_name and positional[:1] in (["self"], ["cls"]):
            positional = positional[1:]
        arguments = [(name, value) for name, value in zip(positional, node.args) if not isinstance(value, ast.Starred)]
        arguments += [(keyword.arg, keyword.value) for keyword in node.keywords if keyword.arg in callee.params]

        contexts: set[str] = set()
        sessions: set[str] = set()
        for parameter, value in arguments:
            text = dotted_text(value)
            if text in names.contexts:
                contexts.add(parameter)
            elif self.is_session(module, function, names, text, node.lineno):
                sessions.add(parameter)
        return SessionNames(frozenset(contexts), frozenset(sessions))

    def function_chain(self, qualname: str, names: SessionNames) -> tuple[SessionEnd, tuple[Hop, ...]] | None:
        """Return the first end of the transaction that the function makes on the context or
        session it is given as ``names``, itself or through its calls, with the hops from
        its own call down."""
        key = (qualname, names)
        if key in self.chains:
            return self.chains[key]
        entry = self.index.functions.get(qualname)
        if entry is None or qualname in self.in_progress or len(self.in_progress) >= MAX_CHAIN_DEPTH:
            return None
        module, function = entry
        if self.analysis.operation_of(function) is not None:
            # Another operation's run(): a nested call goes through the pipeline with a context of its own.
            self.chains[key] = None
            return None

        self.in_progress.add(qualname)
        found: tuple[SessionEnd, tuple[Hop, ...]] | None = None
        for call in function.calls:
            end = self.end_at(module, function, names, call)
            if end is not None:
                found = (end, (end.hop,))
                break
        if found is None:
            blocks = self.session_blocks(module, function, names)
            if blocks:
                found = (blocks[0], (blocks[0].hop,))
        if found is None:
            for call in function.calls:
                below = self.chain_from(module, function, names, call)
                if below is None:
                    continue
                end, hops = below
                candidate = (end, (Hop(module.path, call.line, call.column, call.text), *hops))
                if found is None or len(candidate[1]) < len(found[1]):
                    found = candidate
        self.in_progress.discard(qualname)
        self.chains[key] = found
        return found


def _is_context_session(text: str, names: SessionNames) -> bool:
    """Return True when ``text`` is ``<context>.session`` for a name that refers to the context."""
    context, _, attribute = text.partition(".")
    return attribute == "session" and context in names.contexts
