"""OPS308: a service whose entry method is bound differently from its neighbours'."""

from __future__ import annotations

from collections.abc import Iterator

from opsgen.lint.rule import Finding, ModuleContext, Rule
from opsgen.lint.services import entry_binding, in_service_packages, is_generated, may_define_services, service_classes, usual


class EntryBindingDiffers(Rule):
    """Flags a service entry that is a static or class method beside services called on an instance, or the reverse.

    What it does:
        Finds the service classes of a module as OPS303 does and looks at each one's
        first entry method. A ``@staticmethod`` or ``@classmethod`` entry is called on the
        class with the inputs (``ReleasePayout.execute(payout, approver)``); any other is
        called on an instance built first (``HoldPayout(payout).execute()``). Reports the
        entries that are not bound the way most of the module's services are (the first
        one wins a tie).

    Why is this bad:
        Even with one verb, callers must know which services to build and which to call
        on the class, and where the inputs go. A wrapper that builds each service and
        calls its entry cannot serve both kinds.

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
        "OPS308 {service}.{method}() is called {how}, while the module's other services are "
        "called {other}, so callers must learn each convention; give every service the same "
        "binding and pass inputs the same way"
    )
    HOW = {"class": "on the class (a static or class method)", "instance": "on an instance"}

    def check(self, module: ModuleContext) -> Iterator[Finding]:
        if not may_define_services(module.source) or is_generated(module.source):
            return
        everything = in_service_packages(module.summary.module, module.config.service_packages)
        services = [s for s in service_classes(module.tree, everything) if s.entries]
        bindings = [entry_binding(service.entries[0]) for service in services]
        common = usual(bindings)
        if common is None:
            return
        for service, binding in zip(services, bindings):
            if binding != common:
                entry = service.entries[0]
                message = self.MESSAGE.format(service=service.node.name, method=entry.name, how=self.HOW[binding], other=self.HOW[common])
                yield module.finding(self.code, message, entry.lineno, entry.col_offset)

    VALID = [
        "class CreateUser:\n"
        "    @classmethod\n"
        "    def call(cls, email):\n"
        "        return {'email': email}\n\n"
        "class InviteUser:\n"
        "    @classmethod\n"
        "    def call(cls, email):\n"
        "        return {'email': email}\n",
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
