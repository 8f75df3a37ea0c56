"""OPS401: a side effect declared in the spec but called directly."""

from __future__ import annotations

from collections.abc import Iterator

from opsgen.lint.rule import Example, Finding, ModuleContext, Rule
from opsgen.lint.services import operation_spec

#: The linter's side-effect kinds, by the spec's effect kind they belong to.
SPEC_KINDS = {
    "email": "email",
    "HTTP request": "http",
    "Stripe API call": "http",
    "Braintree API call": "http",
    "AWS call": "http",
    "task enqueue": "task",
    "broker publish": "publish",
    "Kafka publish": "publish",
    "Redis publish": "publish",
    "append to a Redis stream": "publish",
    "push onto a Redis list": "publish",
    "channel-layer send": "publish",
    "message send": "publish",
}

SPEC = (
    "name: billing.credit_account\n"
    "transaction: true\n"
    "input:\n  account_id: uuid\n"
    "side_effects:\n"
    "  email_receipt:\n    kind: email\n    payload:\n      to: str\n"
)
FILES = {
    "pyproject.toml": '[tool.opsgen]\nspecs = "specs"\n',
    "specs/credit_account.yaml": SPEC,
    "app/__init__.py": "",
    "app/generated.py": (
        "from opsgen.runtime.operation import Operation\n\n"
        "class CreditAccountBase(Operation):\n"
        "    def email_receipt(self, ctx, *, to):\n"
        "        ctx.effect('email_receipt', to)\n"
    ),
}


class DeclaredEffectCalledDirectly(Rule):
    """Flags a side effect of a kind the spec declares, called directly instead of through its generated method.

    What it does:
        For each class that implements an operation of the project's specs, reports a call
        in its methods that is a side effect (an e-mail, an HTTP request, a task enqueue, a
        broker publish, as OPS101 recognises them) of a kind the spec declares under
        ``side_effects``. A ``custom`` effect in the spec matches every kind. The message
        names the generated method to call instead.

    Why is this bad:
        The generated method defers the effect until after the outermost commit, drops it
        on rollback, records it in the execution log and, for a ``durable`` effect, writes
        it to the outbox in the same transaction. A direct call does none of that: the
        receipt goes out for a credit that was rolled back, and the spec promises a
        behaviour the code does not have.

    Example:
        class CreditAccount(CreditAccountBase):
            def run(self, ctx, *, account_id, amount):
                ...
                send_mail("Receipt", body, None, [owner.email])

    Use instead:
        class CreditAccount(CreditAccountBase):
            def run(self, ctx, *, account_id, amount):
                ...
                self.email_receipt(ctx, to=owner.email, amount=amount)
    """

    code = "OPS401"
    name = "spec-contract"
    MESSAGE = (
        "OPS401 {call}() is {article} {kind} that operation {operation} declares as {effects}, "
        "but it is called directly, so it is neither deferred to after the commit nor "
        "recorded; call self.{method}(ctx, ...) instead"
    )

    def check(self, module: ModuleContext) -> Iterator[Finding]:
        analysis = module.analysis
        if not analysis.operations:
            return
        for function in module.functions():
            if not function.class_name:
                continue
            spec = operation_spec(analysis, function.class_name)
            if spec is None or not spec.effects:
                continue
            for call in function.calls:
                effect = analysis.effect(call)
                if effect is None:
                    continue
                kind = SPEC_KINDS.get(effect.kind, "custom")
                matching = [name for name, declared in spec.effects if declared in (kind, "custom")]
                if not matching:
                    continue
                article = "an" if effect.kind[0] in "aeiouAEIO" or effect.kind.startswith("HTTP") else "a"
                message = self.MESSAGE.format(
                    call=call.text,
                    article=article,
                    kind=effect.kind,
                    operation=spec.name,
                    effects=" or ".join(matching),
                    method=matching[0],
                )
                yield module.finding(self.code, message, call.line, call.column)

    VALID = [
        Example(
            "from app.generated import CreditAccountBase\n\n"
            "class CreditAccount(CreditAccountBase):\n"
            "    def run(self, ctx, *, account_id):\n"
            "        self.email_receipt(ctx, to='owner@example.com')\n",
            path="app/credit.py",
            files=FILES,
        ),
        # An effect of a kind the spec does not declare is OPS101's business, not this rule's.
        Example(
            "import requests\n"
            "from app.generated import CreditAccountBase\n\n"
            "class CreditAccount(CreditAccountBase):\n"
            "    def run(self, ctx, *, account_id):\n"
            "        requests.post('https://example.invalid/hook')\n",
            path="app/credit.py",
            files=FILES,
        ),
    ]
    INVALID = [
        Example(
            "from django.core.mail import send_mail\n"
            "from app.generated import CreditAccountBase\n\n"
            "class CreditAccount(CreditAccountBase):\n"
            "    def run(self, ctx, *, account_id):\n"
            "        self.notify('owner@example.com')\n\n"
            "    def notify(self, to):\n"
            "        send_mail('Receipt', 'Credited', None, [to])  # OPS401\n",
            path="app/credit.py",
            files=FILES,
        ),
    ]
