"""OPS3 rules and services that are entered, read or fed unlike their siblings."""

from __future__ import annotations

from pathlib import Path

from opsgen.lint.examples import lint_example
from opsgen.lint.loader import load_rules
from opsgen.lint.rule import Example

RULES = [rule for rule in load_rules() if rule.code.startswith("OPS3")]

TWO_SERVICES = """\
class ExportOrders:
    def __init__(self, since):
        self.since = since

    def __call__(self):
        return write_csv(self.since)


class ExportCustomers:
    def __init__(self, country):
        self.country = country

    def __call__(self):
        return write_csv(self.country)


"""


def _findings(source: str, tmp_path: Path) -> list[tuple[str, str]]:
    return [(f.code, f.message) for f in lint_example(Example(source), RULES, tmp_path)]


def test_context_manager_service(tmp_path: Path) -> None:
    source = TWO_SERVICES + (
        "class ExportProducts:\n"
        "    def __init__(self, category):\n"
        "        self.category = category\n\n"
        "    def __enter__(self):\n"
        "        self.path = write_csv(self.category)\n"
        "        return self.path\n\n"
        "    def __exit__(self, *exc):\n"
        "        self.path.unlink()\n"
    )
    [(code, message)] = _findings(source, tmp_path)
    assert code == "OPS303"
    assert message.startswith("OPS303 ExportProducts does its work in __enter__()")


def test_context_manager_helper_returning_self(tmp_path: Path) -> None:
    source = TWO_SERVICES + (
        "class FileLock:\n"
        "    def __init__(self, path):\n"
        "        self.path = path\n\n"
        "    def __enter__(self):\n"
        "        self.handle = open(self.path, 'x')\n"
        "        return self\n\n"
        "    def __exit__(self, *exc):\n"
        "        self.handle.close()\n"
    )
    assert _findings(source, tmp_path) == []


def test_property_entry(tmp_path: Path) -> None:
    source = TWO_SERVICES + (
        "class ExportProducts:\n"
        "    def __init__(self, category):\n"
        "        self.category = category\n\n"
        "    @property\n"
        "    def path(self):\n"
        "        return write_csv(self.category)\n"
    )
    [(code, message)] = _findings(source, tmp_path)
    assert code == "OPS303"
    assert "ExportProducts.path is a property that does the service's work" in message


def test_data_object_property(tmp_path: Path) -> None:
    source = TWO_SERVICES + (
        "class Money:\n"
        "    def __init__(self, amount, currency):\n"
        "        self.amount = amount\n"
        "        self.currency = currency\n\n"
        "    @property\n"
        "    def label(self):\n"
        "        return str(round(self.amount, 2)) + ' ' + self.currency\n"
    )
    assert _findings(source, tmp_path) == []


CALLED = """\
class CreateProject:
    def __call__(self, *, owner, name):
        return owner, name


class RenameProject:
    def __call__(self, *, project, name):
        return project, name


class ArchiveProject:
    def __call__(self, {parameter}):
        return {body}
"""


def test_payload_among_keyword_arguments(tmp_path: Path) -> None:
    source = CALLED.format(parameter="data: dict[str, object]", body="data")
    [(code, message)] = _findings(source, tmp_path)
    assert code == "OPS308"
    assert "ArchiveProject.__call__() takes its inputs as one dictionary" in message


def test_single_model_argument_is_named(tmp_path: Path) -> None:
    assert _findings(CALLED.format(parameter="project", body="project.archive()"), tmp_path) == []


STEPS = """\
def apply_shipping(cart: Cart, zone) -> Cart:
    return replace(cart, shipping=zone.rate)


def apply_voucher(cart: Cart, voucher) -> None:
    cart.discount = voucher.amount


def apply_tax(cart: Cart, rate) -> {third}:
    return {third_body}
"""


def test_in_place_step_among_returning_steps(tmp_path: Path) -> None:
    [(code, message)] = _findings(STEPS.format(third="Cart", third_body="replace(cart, tax=rate)"), tmp_path)
    assert code == "OPS309"
    assert message.startswith("OPS309 apply_voucher() changes cart in place and returns None")


def test_in_place_step_needs_two_returning_steps(tmp_path: Path) -> None:
    assert _findings(STEPS.format(third="Decimal", third_body="cart.subtotal * rate"), tmp_path) == []
