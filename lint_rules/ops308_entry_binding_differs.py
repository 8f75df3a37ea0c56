"""OPS308: a service that takes its inputs, or is awaited, unlike its neighbours."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from opsgen.lint.rule import Finding, ModuleContext, Rule
from opsgen.lint.service_state import inputs_set_after_build
from opsgen.lint.services import Method, ServiceClass, and_list, argument_shape, entry_binding, in_service_packages, is_generated, may_define_services, service_classes, usual


class EntryBindingDiffers(Rule):
    """Flags a service that takes its inputs, or is awaited, unlike the module's other services.

    What it does:
        Finds the service classes of a module as OPS303 does and looks at how each one's
        first entry method gets its inputs. A ``@staticmethod`` or ``@classmethod`` entry
        is called on the class with them (``ReleasePayout.execute(payout, approver)``). An
        instance method with parameters takes them as arguments
        (``VoidInvoice().execute(invoice, reason)``). An instance method without
        parameters runs on an instance built with them, through ``__init__`` or dataclass
        fields (``HoldPayout(payout).execute()``). A class built empty whose entry reads
        attributes that only its setters store (``set_payout()``, ``with_payout()``) or
        that start as ``None`` or unset, for the caller to assign, takes its inputs after
        it is built. A service that takes no inputs at all is left out, and outcome
        callbacks handed to the entry (``on_success``, ``on_error``) are not inputs:
        OPS309 compares those. Reports the entries that differ from the way most of the
        module's services take their inputs (the first one wins a tie), and the entries
        that are ``async def`` among plain methods, or plain among ``async def`` ones. A
        service offered both ways, ``AsyncScript`` beside ``Script``, is not compared for
        being awaited.
        Among the entries that take their inputs at call time, one that takes them as one
        dictionary (a single parameter annotated ``dict`` or ``Mapping``, or read only
        through string keys, ``data["project_id"]``) where most take separate arguments is
        reported too, and the reverse.

    Why is this bad:
        Even with one verb, callers must know which services to build with the inputs,
        which to hand the inputs at call time, and which to call on the class. A wrapper
        that builds each service and calls its entry cannot serve all three.

    Example:
        class HoldPayout:
            def __init__(self, payout):
                self.payout = payout

            def execute(self): ...

        class ReleasePayout:
            @staticmethod
            def execute(payout, approver): ...

    Use instead:
        class HoldPayout:
            def __init__(self, payout):
                self.payout = payout

            def execute(self): ...

        class ReleasePayout:
            def __init__(self, payout, approver):
                self.payout = payout
                self.approver = approver

            def execute(self): ...
    """

    code = "OPS308"
    name = "non-uniform-interface"
    scope = "module"
    MESSAGE = (
        "OPS308 {service}.{method}() {how}, while most of the module's services {other}, so "
        "callers must learn each convention; call every service the same way"
    )
    #: Each convention as said of one service, then of the others.
    HOW = {
        "class": ("takes its inputs as arguments of a static or class method", "take them as arguments of a static or class method"),
        "call": ("takes its inputs as arguments of the entry method", "take them as arguments of the entry method"),
        "constructor": ("takes its inputs when the service is built", "take them when they are built"),
        "setters": ("takes its inputs through {inputs} after the service is built empty", "take them through setters or attributes set before the call"),
        "async": ("is a coroutine that callers must await", "are coroutines"),
        "plain": ("is a plain method that callers must not await", "are plain methods"),
        "payload": ("takes its inputs as one dictionary", "take them as one dictionary"),
        "named": ("takes its inputs as separate arguments", "take them as separate arguments"),
    }

    def check(self, module: ModuleContext) -> Iterator[Finding]:
        if not may_define_services(module.source) or is_generated(module.source):
            return
        everything = in_service_packages(module.summary.module, module.config.service_packages)
        services = [service for service in service_classes(module.tree, everything) if service.entries]
        bound = [(s, entry_binding(s.node, s.entries[0])) for s in services]
        twins = self.timing_twins(services)
        timing = [(s, "async" if isinstance(s.entries[0], ast.AsyncFunctionDef) else "plain") for s in services if s.node.name not in twins]
        # Among the services handed their inputs at call time: one dictionary, or separate arguments.
        shapes = [(s, argument_shape(s.entries[0])) for s, b in bound if b in ("call", "class")]
        for conventions in ([(s, b) for s, b in bound if b is not None], timing, [(s, shape) for s, shape in shapes if shape is not None]):
            common = usual([convention for _, convention in conventions])
            if common is None:
                continue
            for service, convention in conventions:
                if convention != common:
                    entry = service.entries[0]
                    how, other = self.HOW[convention][0], self.HOW[common][1]
                    if convention == "setters":
                        how = how.format(inputs=self.setters_text(service.node, entry))
                    message = self.MESSAGE.format(service=service.node.name, method=entry.name, how=how, other=other)
                    yield module.finding(self.code, message, entry.lineno, entry.col_offset)

    @staticmethod
    def timing_twins(services: list[ServiceClass]) -> set[str]:
        """Return the services offered both ways: an ``async def`` entry in ``AsyncScript`` (or
        ``ScriptAsync``) beside a plain one in ``Script`` or ``SyncScript``. The pair gives callers
        a choice, so neither is compared with the others for being awaited or not."""
        coroutine = {s.node.name: isinstance(s.entries[0], ast.AsyncFunctionDef) for s in services}
        twins: set[str] = set()
        for name, is_async in coroutine.items():
            if name.startswith("Async") and name[5:6].isupper():
                plain = name[5:]
            elif name.endswith("Async") and len(name) > 5:
                plain = name[:-5]
            else:
                continue
            for other in (plain, "Sync" + plain, plain + "Sync"):
                if is_async and coroutine.get(other) is False:
                    twins.update((name, other))
        return twins

    @staticmethod
    def setters_text(node: ast.ClassDef, entry: Method) -> str:
        """Name the setters, then the attributes that callers assign, of a service built empty."""
        inputs = inputs_set_after_build(node, entry)
        setters = [name for name in inputs if name.endswith("()")]
        attributes = ["self." + name for name in inputs if not name.endswith("()")]
        parts = [and_list(setters)] if setters else []
        if attributes:
            parts.append(("the attribute " if len(attributes) == 1 else "the attributes ") + and_list(attributes))
        return " and ".join(parts)

    VALID = [
        # Services without inputs are not compared.
        "class Cleanup:\n"
        "    def run(self):\n"
        "        return 0\n\n"
        "class Charge:\n"
        "    def run(self, order):\n"
        "        return order.total\n",
        "class CreateUser:\n"
        "    @classmethod\n"
        "    def call(cls, email):\n"
        "        return {'email': email}\n\n"
        "class InviteUser:\n"
        "    @classmethod\n"
        "    def call(cls, email):\n"
        "        return {'email': email}\n",
        # Callbacks handed to the entry take the outcome; the inputs come with the instance.
        "class RenewSubscription:\n"
        "    def __init__(self, subscription):\n"
        "        self.subscription = subscription\n\n"
        "    def execute(self):\n"
        "        return self.subscription.renew()\n\n"
        "class ChangePlan:\n"
        "    def __init__(self, subscription):\n"
        "        self.subscription = subscription\n\n"
        "    def execute(self, on_success, on_error):\n"
        "        on_success(self.subscription)\n",
        # A client offered both ways: AsyncScript is the coroutine twin of Script.
        "class Script:\n"
        "    def __call__(self, keys):\n"
        "        return keys\n\n"
        "class AsyncScript:\n"
        "    async def __call__(self, keys):\n"
        "        return keys\n\n"
        "class Lock:\n"
        "    def __call__(self, name):\n"
        "        return name\n",
        # Framework subclasses are not compared with the services.
        "from django.core.management.base import BaseCommand\n\n"
        "class Command(BaseCommand):\n"
        "    def handle(self, *args, **options):\n"
        "        pass\n\n"
        "class Cleanup:\n"
        "    @staticmethod\n"
        "    def run(days):\n"
        "        return days\n",
    ]
    INVALID = [
        # FetchWeather has no plain twin, so it is compared with the plain services.
        "class FetchRates:\n"
        "    def run(self, currency):\n"
        "        return currency\n\n"
        "class AsyncFetchRates:\n"
        "    async def run(self, currency):\n"
        "        return currency\n\n"
        "class FetchNews:\n"
        "    def run(self, topic):\n"
        "        return topic\n\n"
        "class FetchQuotes:\n"
        "    def run(self, symbol):\n"
        "        return symbol\n\n"
        "class FetchWeather:\n"
        "    async def run(self, city):  # OPS308\n"
        "        return city\n",
        # send() is the only public method of each class, so it is the module's verb.
        "class SendWelcome:\n"
        "    def __init__(self, user):\n"
        "        self.user = user\n\n"
        "    def send(self):\n"
        "        return self.user.email\n\n"
        "class SendPasswordReset:\n"
        "    def __init__(self, user, token):\n"
        "        self.user = user\n"
        "        self.token = token\n\n"
        "    def send(self):\n"
        "        return self.token\n\n"
        "class SendInvoiceReady:\n"
        "    @classmethod\n"
        "    def send(cls, invoice):  # OPS308\n"
        "        return invoice.number\n",
        # One plain entry among coroutines: its callers must not await it.
        "class FetchRates:\n"
        "    async def run(self, currency):\n"
        "        return currency\n\n"
        "class FetchNews:\n"
        "    async def run(self, topic):\n"
        "        return topic\n\n"
        "class FetchWeather:\n"
        "    def run(self, city):  # OPS308\n"
        "        return city\n",
        # Two services built with their inputs, one built empty and fed through setters.
        "class RefundPayment:\n"
        "    def __init__(self, payment):\n"
        "        self.payment = payment\n\n"
        "    def run(self):\n"
        "        return self.payment.refund()\n\n"
        "class CapturePayment:\n"
        "    def __init__(self, payment):\n"
        "        self.payment = payment\n\n"
        "    def run(self):\n"
        "        return self.payment.capture()\n\n"
        "class VoidPayment:\n"
        "    def __init__(self):\n"
        "        self.payment = None\n\n"
        "    def set_payment(self, payment):\n"
        "        self.payment = payment\n\n"
        "    def run(self):  # OPS308\n"
        "        return self.payment.void()\n",
        # Two services built with their inputs, one handed them at call time.
        "class BuildInvoice:\n"
        "    def __init__(self, order):\n"
        "        self.order = order\n\n"
        "    def execute(self):\n"
        "        return self.order.lines\n\n"
        "class SendInvoice:\n"
        "    def __init__(self, order):\n"
        "        self.order = order\n\n"
        "    def execute(self):\n"
        "        return self.order.email\n\n"
        "class VoidInvoice:\n"
        "    def execute(self, invoice, reason):  # OPS308\n"
        "        return invoice\n",
        "class SchedulePayout:\n"
        "    def __init__(self, seller):\n"
        "        self.seller = seller\n\n"
        "    def execute(self):\n"
        "        return self.seller\n\n"
        "class HoldPayout:\n"
        "    def __init__(self, payout):\n"
        "        self.payout = payout\n\n"
        "    def execute(self):\n"
        "        return self.payout\n\n"
        "class ReleasePayout:\n"
        "    @staticmethod\n"
        "    def execute(payout, approver):  # OPS308\n"
        "        return payout\n",
    ]
