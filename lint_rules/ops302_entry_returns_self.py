"""OPS302: a service's entry method that returns self."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from opsgen.lint.rule import Finding, ModuleContext, Rule
from opsgen.lint.services import PROTOCOL_METHODS, is_builder_or_cursor, is_generated, in_service_packages, may_define_services, returns_self, service_classes


class EntryReturnsSelf(Rule):
    """Flags an entry method (``run``, ``execute``, ``__call__``...) of a service that returns ``self``.

    What it does:
        Reports a service's entry method with a ``return self`` that runs in it (a
        ``return self`` in a nested function does not count). Services are found as
        described for OPS303; in ``service-packages`` every public class counts. Classes
        that hand back the instance by design are left alone: context managers and
        iterators, DB-API cursors (with ``fetchone()``, ``fetchmany()`` or ``fetchall()``),
        and fluent builders, where another public method returns ``self`` too.

    Why is this bad:
        The result hides in an attribute, so every caller must know which one
        (``InvoiceBuilder(order).run().lines``), and the entry method's return type tells
        the caller nothing. Services that return their result can be called, tested and composed the
        same way.

    Example:
        class InvoiceBuilder:
            def run(self):
                self.lines = [line.as_invoice_line() for line in self.order.lines.all()]
                return self

    Use instead:
        class InvoiceBuilder:
            def run(self) -> list[InvoiceLine]:
                return [line.as_invoice_line() for line in self.order.lines.all()]
    """

    code = "OPS302"
    name = "non-uniform-interface"
    scope = "module"
    MESSAGE = (
        "OPS302 entry method {method}() of {service} returns self, so callers must know which "
        "attribute holds the result; return the result itself"
    )

    def check(self, module: ModuleContext) -> Iterator[Finding]:
        if "return self" not in module.source or not may_define_services(module.source) or is_generated(module.source):
            return
        everything = in_service_packages(module.summary.module, module.config.service_packages)
        for service in service_classes(module.tree, everything):
            if self.hands_back_self(service.node):
                continue
            for entry in service.entries:
                if returns_self(entry) is not None:
                    message = self.MESSAGE.format(method=entry.name, service=service.node.name)
                    yield module.finding(self.code, message, entry.lineno, entry.col_offset)

    @staticmethod
    def hands_back_self(node: ast.ClassDef) -> bool:
        """Return True for a class that returns the instance by design: a context manager or
        iterator (``with job.run():``, ``for row in job.run():``), a DB-API cursor or a
        fluent builder. Outside ``service-packages`` the last two are no services at all."""
        protocol = any(isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name in PROTOCOL_METHODS for item in node.body)
        return protocol or is_builder_or_cursor(node)

    VALID = [
        "class InvoiceBuilder:\n"
        "    def __init__(self, order):\n"
        "        self.order = order\n\n"
        "    def run(self):\n"
        "        return [line.as_invoice_line() for line in self.order.lines.all()]\n",
        # A fluent builder method is not an entry verb.
        "class Query:\n"
        "    def where(self, clause):\n"
        "        self.clauses.append(clause)\n"
        "        return self\n\n"
        "    def execute(self):\n"
        "        return run_query(self.clauses)\n",
        # A thread keeps the verb its framework dictates.
        "import threading\n\n"
        "class Poller(threading.Thread):\n"
        "    def run(self):\n"
        "        return self\n",
        # A fluent builder: apply() is one step of a chain, like sort_by().
        "class SearchRequest:\n"
        "    def __init__(self, query):\n"
        "        self.steps = [query]\n\n"
        "    def apply(self, **expressions):\n"
        "        self.steps.extend(expressions.items())\n"
        "        return self\n\n"
        "    def sort_by(self, field):\n"
        "        self.steps.append(('SORTBY', field))\n"
        "        return self\n",
        # A context manager: run() starts the tunnel and returns it for the with block.
        "class Tunnel:\n"
        "    def __init__(self, host):\n"
        "        self.host = host\n\n"
        "    def run(self):\n"
        "        self.process = open_tunnel(self.host)\n"
        "        return self\n\n"
        "    def __enter__(self):\n"
        "        return self\n\n"
        "    def __exit__(self, *exc_info):\n"
        "        self.process.terminate()\n",
        # A DB-API cursor returns itself from execute(); the rows come from fetchall().
        "class NamedCursor:\n"
        "    def __init__(self, cursor, name):\n"
        "        self.cursor = cursor\n"
        "        self.name = name\n\n"
        "    def execute(self, sql, params=()):\n"
        "        self.cursor.execute(f'DECLARE {self.name} CURSOR FOR {sql}', params)\n"
        "        return self\n\n"
        "    def fetchall(self):\n"
        "        return self.cursor.fetchall()\n",
        # A nested function's return is not the entry method's.
        "class Job:\n"
        "    def run(self):\n"
        "        def chain():\n"
        "            return self\n"
        "        return chain\n",
    ]
    INVALID = [
        "class InvoiceBuilder:\n"
        "    def __init__(self, order):\n"
        "        self.order = order\n\n"
        "    def run(self):  # OPS302\n"
        "        self.lines = [line.as_invoice_line() for line in self.order.lines.all()]\n"
        "        return self\n",
        # A subclass of a local service base, returning self from one branch.
        "from abc import ABC\n\n"
        "class Service(ABC):\n"
        "    def __call__(self):\n"
        "        return self.perform()\n\n"
        "class Export(Service):\n"
        "    def perform(self):  # OPS302\n"
        "        if not self.rows:\n"
        "            return self\n"
        "        self.file = write(self.rows)\n"
        "        return self.file\n",
    ]
