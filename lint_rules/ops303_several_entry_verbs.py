"""OPS303: services that do not share one entry verb."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence

from opsgen.lint.rule import Finding, ModuleContext, Rule
from opsgen.lint.services import ENTRY_VERBS, ServiceClass, entry_form, in_service_packages, is_generated, may_define_services, service_classes


#: A base class whose ``__call__`` checks its inputs and runs ``perform()``, and one subclass.
_TEMPLATE_BASE = (
    "class BaseService:\n"
    "    def __call__(self, *args):\n"
    "        self.validate(*args)\n"
    "        return self.perform(*args)\n\n"
    "    def validate(self, *args):\n"
    "        return None\n\n"
    "    def perform(self, *args):\n"
    "        raise NotImplementedError\n\n"
    "class CreateTag(BaseService):\n"
    "    def perform(self, name):\n"
    "        return name\n\n"
)


class SeveralEntryVerbs(Rule):
    """Flags a service class with several entry verbs, or one whose verb differs from its neighbours'.

    What it does:
        Finds the service classes of a module: classes that define an entry verb (``run``,
        ``execute``, ``call``, ``perform``, ``process``, ``handle``, ``act``, ``apply``,
        ``invoke`` or ``__call__``), or that are named for an agent (``...Builder``,
        ``...Calculator``, ``...Service``) and have one public method, which is then their
        entry; these count only beside a service with an entry verb. Beside two or more
        services with an entry verb, a class built with its inputs whose one public method
        takes none is a service too (``ApplyDiscount(quote, 10).calculate()``), as is one
        with no public method that does its work in ``__enter__`` and returns something
        other than itself (used only in ``with``), or whose one public property calls a
        function (``ShippingEstimate(cart).result``); the finding then says so. A name
        that two or more classes have as their only public method is the module's own verb
        (``send()``). They must derive only from ``object``, ``ABC``, another such class of
        the module or an imported ``...Service`` base. In ``service-packages`` any public
        class counts. A ``__call__`` that only returns ``self.<verb>(...)``, or ends in
        ``return self.<entry verb>(...)`` after checks of its own, forwards to that verb,
        so a subclass that overrides ``__call__`` instead of the verb is the odd one out.
        An entry method that calls ``self.<other entry verb>(...)``, whose body there only
        raises ``NotImplementedError`` or that is marked ``@abstractmethod``, is a
        template method (Django's ``BaseCommand.execute()`` runs ``handle()``). The other
        verb is a hook for subclasses, so neither it nor a subclass's override of it is a
        second entry, and such a subclass is entered through the base's verb.
        Reports each entry method after the first in one class, and the entry method of
        each service whose verb is not the module's most common one (the first one used
        wins a tie). A verb is the module's only when two or more services use it. When
        every service has a verb of its own, only the generic entry verbs are compared
        (``run()`` beside ``execute()`` is one role under two names, and the first one used
        is kept), and a domain verb is left alone: beside ``create_order()``, ``refund()``
        and ``execute()`` nothing is reported, because renaming two of them after the
        third's verb would be arbitrary advice. A static or class method that is the only public method of an agent-named
        class (``RefundService.refund``) is its entry too, so OPS308 reports such a mix of
        binding kinds.

    Why is this bad:
        Callers must learn each service's convention (``.run()`` here, ``.execute(args)``
        there), so wrappers for logging, transactions and retries cannot treat services
        alike, and a second verb on one class is a second way in that skips the first's
        checks.

    Example:
        class InvoiceBuilder:
            def run(self): ...

        class RefundCalculator:
            def execute(self, order, amount): ...

    Use instead:
        class InvoiceBuilder(Service):
            def act(self): ...

        class RefundCalculator(Service):
            def act(self): ...
    """

    code = "OPS303"
    name = "non-uniform-interface"
    scope = "module"
    MESSAGE = (
        "OPS303 {service}.{method}() is {why}, so callers must learn each convention; give "
        "every service the same single entry method"
    )

    #: A service that does its work in ``__enter__``, usable only in a ``with`` statement.
    WITH_MESSAGE = (
        "OPS303 {service} does its work in {method}() and returns its result only to a with "
        "statement, while {count} of the module's services run with {usual}(), so callers must "
        "learn each convention; give every service the same single entry method"
    )
    #: A service whose result is a property, read as an attribute.
    PROPERTY_MESSAGE = (
        "OPS303 {service}.{method} is a property that does the service's work when it is read, "
        "while {count} of the module's services run with {usual}(), so callers must learn each "
        "convention; give every service the same single entry method"
    )

    def check(self, module: ModuleContext) -> Iterator[Finding]:
        if not may_define_services(module.source) or is_generated(module.source):
            return
        everything = in_service_packages(module.summary.module, module.config.service_packages)
        services = service_classes(module.tree, everything)
        for service in services:
            first = service.entries[0].name if service.entries else ""
            for extra in service.entries[1:]:
                why = f"a second entry verb of the class beside {first}()"
                message = self.MESSAGE.format(service=service.node.name, method=extra.name, why=why)
                yield module.finding(self.code, message, extra.lineno, extra.col_offset)

        verbs = Counter(service.verb for service in services)
        if len(verbs) < 2:
            return
        first_use: dict[str | None, int] = {}
        for position, service in enumerate(services):
            first_use.setdefault(service.verb, position)
        usual = max(verbs, key=lambda verb: (verbs[verb], -first_use[verb]))
        if verbs[usual] >= 2:
            compared: Sequence[ServiceClass] = services
            why = f"not the {usual}() that {verbs[usual]} of the module's services use"
        else:
            # Each service has a verb of its own. A domain verb such as create_order() is no
            # convention for others to copy, so only the generic entry verbs are compared.
            # run(), execute() and call() name one role, and the first one used is kept.
            # OPS308 still reports a mix of binding kinds.
            compared = [service for service in services if service.verb in ENTRY_VERBS]
            if len({service.verb for service in compared}) < 2:
                return
            usual = str(compared[0].verb)
            why = f"not the {usual}() of {compared[0].node.name}, the module's first service with a generic entry verb"
        for service in compared:
            if service.verb != usual and service.entries:
                entry = service.entries[0]
                form = entry_form(entry)
                if form == "with":
                    message = self.WITH_MESSAGE.format(service=service.node.name, method=entry.name, usual=usual, count=verbs[usual])
                elif form == "property":
                    message = self.PROPERTY_MESSAGE.format(service=service.node.name, method=entry.name, usual=usual, count=verbs[usual])
                else:
                    message = self.MESSAGE.format(service=service.node.name, method=entry.name, why=why)
                yield module.finding(self.code, message, entry.lineno, entry.col_offset)

    VALID = [
        "from abc import ABC, abstractmethod\n\n"
        "class Service(ABC):\n"
        "    def __call__(self):\n"
        "        return self.act()\n\n"
        "    @abstractmethod\n"
        "    def act(self):\n"
        "        raise NotImplementedError\n\n"
        "class InvoiceBuilder(Service):\n"
        "    def act(self):\n"
        "        return []\n\n"
        "class RefundCalculator(Service):\n"
        "    def act(self):\n"
        "        return 0\n",
        # An exporter and an importer name their inverse jobs; no entry-verb convention here.
        "class EventExporter:\n"
        "    def serialize(self, event):\n"
        "        return {}\n\n"
        "class EventImporter:\n"
        "    def deserialize(self, data):\n"
        "        return None\n",
        # A base class whose __call__ checks its inputs and runs perform(), which each
        # subclass implements.
        _TEMPLATE_BASE
        + "class DeleteTag(BaseService):\n"
        "    def perform(self, tag):\n"
        "        return tag\n",
        # A template method: execute() runs the handle() hook that subclasses implement.
        "class BaseJob:\n"
        "    def execute(self, *args):\n"
        "        self.check(args)\n"
        "        return self.handle(*args)\n\n"
        "    def check(self, args):\n"
        "        return None\n\n"
        "    def handle(self, *args):\n"
        "        raise NotImplementedError\n\n"
        "class CleanupJob(BaseJob):\n"
        "    def handle(self, *args):\n"
        "        return 0\n\n"
        "class ExportJob(BaseJob):\n"
        "    def handle(self, target):\n"
        "        return target\n",
        # A mixin's one method takes its inputs as arguments: not a service beside them.
        "class QuoteOrder:\n"
        "    def __init__(self, order):\n"
        "        self.order = order\n\n"
        "    def execute(self):\n"
        "        return self.order.total\n\n"
        "class ShipOrder:\n"
        "    def __init__(self, order):\n"
        "        self.order = order\n\n"
        "    def execute(self):\n"
        "        return self.order.pk\n\n"
        "class RoundingMixin:\n"
        "    def __init__(self, places):\n"
        "        self.places = places\n\n"
        "    def round_amount(self, amount):\n"
        "        return round(amount, self.places)\n",
        # Framework subclasses keep their framework's verbs.
        "import threading\n"
        "from django.core.management.base import BaseCommand\n\n"
        "class Poller(threading.Thread):\n"
        "    def run(self):\n"
        "        pass\n\n"
        "class Command(BaseCommand):\n"
        "    def handle(self, *args, **options):\n"
        "        pass\n",
    ]
    INVALID = [
        "class InvoiceBuilder:\n"
        "    def run(self):\n"
        "        return []\n\n"
        "class ReceiptBuilder:\n"
        "    def run(self):\n"
        "        return []\n\n"
        "class RefundCalculator:\n"
        "    def execute(self, order, amount):  # OPS303\n"
        "        return min(amount, order.paid_total)\n",
        # Subclasses of an imported service base.
        "from app.services.base import BaseService\n\n"
        "class CreateInvoice(BaseService):\n"
        "    def call(self):\n"
        "        return 1\n\n"
        "class VoidInvoice(BaseService):\n"
        "    def call(self):\n"
        "        return 2\n\n"
        "class SendInvoice(BaseService):\n"
        "    def perform(self):  # OPS303\n"
        "        return 3\n",
        # An agent class whose single public method is its entry, beside run() services.
        "class InvoiceBuilder:\n"
        "    def run(self):\n"
        "        return []\n\n"
        "class ReceiptSender:\n"
        "    def run(self):\n"
        "        return None\n\n"
        "class RefundCalculator:\n"
        "    def calculate(self, order):  # OPS303\n"
        "        return order.paid_total\n",
        # A subclass overrides the base's __call__ instead of implementing perform().
        _TEMPLATE_BASE
        + "class MergeTags(BaseService):\n"
        "    def __call__(self, source, target):  # OPS303\n"
        "        return target\n",
        # A dataclass service run with calculate() beside execute() services.
        "from dataclasses import dataclass\n\n"
        "@dataclass\n"
        "class QuoteOrder:\n"
        "    order: object\n\n"
        "    def execute(self):\n"
        "        return self.order.total\n\n"
        "@dataclass\n"
        "class ShipOrder:\n"
        "    order: object\n\n"
        "    def execute(self):\n"
        "        return self.order.pk\n\n"
        "@dataclass\n"
        "class ApplyDiscount:\n"
        "    quote: object\n"
        "    percent: int\n\n"
        "    def calculate(self):  # OPS303\n"
        "        return self.quote * (100 - self.percent) / 100\n",
        # One class with two ways in.
        "class Importer:\n"
        "    def run(self):\n"
        "        return self.process(self.rows)\n\n"
        "    def process(self, rows):  # OPS303\n"
        "        return len(rows)\n",
    ]
