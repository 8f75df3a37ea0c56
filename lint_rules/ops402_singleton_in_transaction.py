"""OPS402: a singleton operation called inside another operation's transaction."""

from __future__ import annotations

from collections.abc import Iterator

from opsgen.lint.rule import Example, Finding, ModuleContext, Rule
from opsgen.lint.services import operation_spec, spec_matches_call

SPECS = {
    "pyproject.toml": '[tool.opsgen]\nspecs = "specs"\n',
    "specs/close_period.yaml": "name: billing.close_period\ntransaction: true\n",
    "specs/generate_invoices.yaml": "name: billing.generate_invoices\nsingleton: true\n",
    "app/__init__.py": "",
    "app/generated.py": (
        "from opsgen.runtime.operation import Operation\n\n"
        "class ClosePeriodBase(Operation):\n    pass\n\n"
        "class GenerateInvoicesBase(Operation):\n    pass\n"
    ),
}


class SingletonInTransaction(Rule):
    """Flags a call of a singleton operation from inside a transaction.

    What it does:
        Finds calls of an operation through its registry handle
        (``ops.billing.generate_invoices(ctx, ...)``, matched by the operation's dotted
        name) whose spec sets ``singleton``, and reports the call when it runs inside a
        transaction: in the ``run`` of an operation whose spec says ``transaction: true``,
        or inside an ``atomic()`` or ``session.begin()`` block. ``enqueue(...)`` runs the
        operation later, outside the transaction, and is not reported.

    Why is this bad:
        The singleton claim is meant to serialise whole executions, but inside the caller's
        transaction the inner operation joins that transaction: its writes stay invisible
        to the next holder until the outer commit, while its claim is already released, so
        two executions overlap in effect. Waiting for the claim (``on_conflict: wait``)
        also holds the caller's row locks for as long as the wait lasts.

    Example:
        class ClosePeriod(ClosePeriodBase):          # transaction: true
            def run(self, ctx, *, period):
                ops.billing.generate_invoices(ctx, period=period)   # singleton: true

    Use instead:
        class ClosePeriod(ClosePeriodBase):
            def run(self, ctx, *, period):
                ops.billing.generate_invoices.enqueue(ctx, period=period)
    """

    code = "OPS402"
    name = "spec-contract"
    MESSAGE = (
        "OPS402 {call}() calls singleton operation {operation} inside {transaction}, so its "
        "claim ends before its writes commit; call it after the commit, or with .enqueue(...)"
    )

    def check(self, module: ModuleContext) -> Iterator[Finding]:
        analysis = module.analysis
        singletons = [info for info in analysis.operations.values() if info.singleton]
        if not singletons:
            return
        for function in module.functions():
            caller = operation_spec(analysis, function.class_name) if function.class_name and function.name == "run" else None
            for call in function.calls:
                callee = next((info for info in singletons if spec_matches_call(info.name, call.text)), None)
                if callee is None:
                    continue
                if caller is not None and caller.transaction:
                    where = f"the transaction of operation {caller.name}"
                else:
                    transaction = analysis.transaction_at(function, call)
                    if transaction is None:
                        continue
                    where = transaction.reason
                message = self.MESSAGE.format(call=call.text, operation=callee.name, transaction=where)
                yield module.finding(self.code, message, call.line, call.column)

    VALID = [
        Example(
            "from app.generated import ClosePeriodBase\n"
            "from app.registry import ops\n\n"
            "class ClosePeriod(ClosePeriodBase):\n"
            "    def run(self, ctx, *, period):\n"
            "        ops.billing.generate_invoices.enqueue(ctx, period=period)\n",
            path="app/close.py",
            files=SPECS,
        ),
        # Outside any transaction the claim and the commit line up.
        Example(
            "from app.registry import ops\n\n"
            "def nightly(ctx):\n"
            "    ops.billing.generate_invoices(ctx)\n",
            path="app/jobs.py",
            files=SPECS,
        ),
    ]
    INVALID = [
        Example(
            "from app.generated import ClosePeriodBase\n"
            "from app.registry import ops\n\n"
            "class ClosePeriod(ClosePeriodBase):\n"
            "    def run(self, ctx, *, period):\n"
            "        ops.billing.generate_invoices(ctx, period=period)  # OPS402\n",
            path="app/close.py",
            files=SPECS,
        ),
        Example(
            "from django.db import transaction\n"
            "from app.registry import ops\n\n"
            "def close(ctx):\n"
            "    with transaction.atomic():\n"
            "        ops.billing.generate_invoices(ctx)  # OPS402\n",
            path="app/jobs.py",
            files=SPECS,
        ),
    ]
