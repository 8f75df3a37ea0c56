"""OPS307: an operation's implementation method called directly."""

from __future__ import annotations

from collections.abc import Iterator

from opsgen.lint.orm import is_test_path
from opsgen.lint.rule import Example, Finding, ModuleContext, Rule
from opsgen.lint.services import OPERATION_BASE


class OperationRunCalledDirectly(Rule):
    """Flags ``CreditAccount().run(ctx, ...)``: an operation's implementation called around the pipeline.

    What it does:
        Reports a call of ``run`` on an instance of an operation implementation (a class
        derived from ``opsgen.runtime.operation.Operation``, usually through a generated
        ``<Name>Base``, or from the base class of an operation in the project's specs),
        in production code. ``super().run(...)`` inside a subclass and calls inside the
        class itself are allowed; tests are skipped.

    Why is this bad:
        ``run`` is what the pipeline calls after it has validated the input, checked the
        context, created the execution record, taken the declared locks and opened the
        transaction. Calling it directly skips all of that: no record, no lock, no
        transaction, and side effects that are never deferred to after the commit.

    Example:
        result = CreditAccount().run(ctx, account_id=account_id, amount=amount)

    Use instead:
        result = ops.billing.credit_account(ctx, account_id=account_id, amount=amount)
    """

    code = "OPS307"
    name = "non-uniform-interface"
    MESSAGE = (
        "OPS307 {call}() calls the implementation of operation {operation} directly, which "
        "skips input validation, the execution record, locks and the transaction; call it "
        "through its registry handle, ops.<domain>.<name>(ctx, ...)"
    )

    def check(self, module: ModuleContext) -> Iterator[Finding]:
        if is_test_path(module.path):
            return
        analysis = module.analysis
        for function in module.functions():
            for call in function.calls:
                target = call.target or ""
                if not target.endswith("().run") or target.startswith("super()"):
                    continue
                klass = analysis.canonical(target[: -len("().run")])
                if function.class_name and klass in analysis.mro(function.class_name):
                    continue
                ancestors = analysis.mro(klass)[1:]
                operation = next(
                    (a for a in ancestors if a == OPERATION_BASE or a.rpartition(".")[2] in analysis.operations), None
                )
                if operation is None:
                    continue
                spec = analysis.operations.get(operation.rpartition(".")[2])
                name = spec.name if spec is not None else klass.rpartition(".")[2]
                yield module.finding(self.code, self.MESSAGE.format(call=call.text, operation=name), call.line, call.column)

    VALID = [
        Example(
            "from app.registry import ops\n\n"
            "def credit(ctx, account_id, amount):\n"
            "    return ops.billing.credit_account(ctx, account_id=account_id, amount=amount)\n",
            path="app/views.py",
            files={"app/__init__.py": "", "app/registry.py": "ops = None\n"},
        ),
        # A subclass extending its parent's run.
        "from opsgen.runtime.operation import Operation\n\n"
        "class CreditAccount(Operation):\n"
        "    def run(self, ctx, **inputs):\n"
        "        return None\n\n"
        "class AuditedCreditAccount(CreditAccount):\n"
        "    def run(self, ctx, **inputs):\n"
        "        return super().run(ctx, **inputs)\n",
        # run() of a class that is not an operation.
        "import threading\n\n"
        "def poll():\n"
        "    threading.Thread(target=print).run()\n",
    ]
    INVALID = [
        Example(
            "from app.operations.credit_account import CreditAccount\n\n"
            "def credit(ctx, account_id, amount):\n"
            "    return CreditAccount().run(ctx, account_id=account_id, amount=amount)  # OPS307\n",
            path="app/views.py",
            files={
                "app/__init__.py": "",
                "app/operations/__init__.py": "",
                "app/operations/credit_account.py": (
                    "from app.generated.billing.credit_account import CreditAccountBase\n\n"
                    "class CreditAccount(CreditAccountBase):\n"
                    "    def run(self, ctx, *, account_id, amount):\n"
                    "        return None\n"
                ),
                "app/generated/__init__.py": "",
                "app/generated/billing/__init__.py": "",
                "app/generated/billing/credit_account.py": (
                    "from opsgen.runtime.operation import Operation\n\n"
                    "class CreditAccountBase(Operation):\n"
                    "    pass\n"
                ),
            },
        ),
        # Through a variable.
        "from opsgen.runtime.operation import Operation\n\n"
        "class CloseAccount(Operation):\n"
        "    def run(self, ctx, **inputs):\n"
        "        return None\n\n"
        "def close(ctx):\n"
        "    operation = CloseAccount()\n"
        "    return operation.run(ctx)  # OPS307\n",
    ]
