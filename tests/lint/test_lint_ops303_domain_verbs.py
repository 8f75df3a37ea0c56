"""OPS303 leaves domain verbs alone when no verb is shared, and OPS308 reports the binding mix."""

from __future__ import annotations

from pathlib import Path

from opsgen.lint.examples import lint_example
from opsgen.lint.loader import load_rules
from opsgen.lint.rule import Example, Finding

SERVICE_RULES = [rule for rule in load_rules() if rule.code in ("OPS303", "OPS308")]


def _findings(source: str, tmp_path: Path) -> list[tuple[int, str, str]]:
    found: list[Finding] = lint_example(Example(source), SERVICE_RULES, tmp_path)
    return [(f.line, f.code, f.message) for f in found]


DOMAIN_VERBS = (
    "class OrderService:\n"
    "    def create_order(self, customer, lines):\n"
    "        return customer\n\n"
    "class RefundService:\n"
    "    @staticmethod\n"
    "    def refund(order, amount):\n"
    "        return amount\n\n"
    "class InvoiceService:\n"
    "    def execute(self, order):\n"
    "        return order\n"
)


def test_ops303_domain_verbs_binding_mix(tmp_path: Path) -> None:
    [(line, code, message)] = _findings(DOMAIN_VERBS, tmp_path)
    assert (line, code) == (7, "OPS308")
    assert message.startswith("OPS308 RefundService.refund() takes its inputs as arguments of a static or class method")


def _services(*entries: tuple[str, str]) -> str:
    """Return one service class for each (class name, entry verb) pair, each entry taking ``order``."""
    return "\n".join(f"class {name}:\n    def {verb}(self, order):\n        return order\n" for name, verb in entries)


def test_ops303_generic_verbs_beside_domain_verb(tmp_path: Path) -> None:
    source = _services(("OrderService", "create_order"), ("ShipOrder", "run"), ("InvoiceOrder", "execute"))
    [(line, code, message)] = _findings(source, tmp_path)
    assert (line, code) == (10, "OPS303")
    assert "InvoiceOrder.execute() is not the run() of ShipOrder, the module's first service with a generic entry verb" in message


def test_ops303_shared_verb_counts_services(tmp_path: Path) -> None:
    source = _services(("BuildInvoice", "run"), ("SendInvoice", "run"), ("VoidInvoice", "execute"))
    [(line, code, message)] = _findings(source, tmp_path)
    assert (line, code) == (10, "OPS303")
    assert "VoidInvoice.execute() is not the run() that 2 of the module's services use" in message
