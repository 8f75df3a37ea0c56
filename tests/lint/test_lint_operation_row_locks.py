"""OPS201 and OPS202 in an operation's ``run()``: rows that the spec's ``locks:`` do not cover.

The spec below locks ``order:{order_id}``. The order loaded by that input is covered,
while a customer loaded by the order's foreign key, or reached through its relationship,
is not, and a decrement of its balance, or a write after a check of it, loses updates.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from opsgen.lint.examples import lint_example
from opsgen.lint.loader import load_rules
from opsgen.lint.rule import Example, Finding

RULES = {rule.code: rule for rule in load_rules()}

SPEC = (
    "name: billing.settle_order\n"
    "transaction: true\n"
    "input:\n"
    "  order_id: int\n"
    "  amount: decimal\n"
)
LOCKED_SPEC = SPEC + 'locks:\n  - key: "order:{order_id}"\n'
MODELS = '''\
from sqlalchemy import ForeignKey
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Customer(Base):
    __tablename__ = "customers"
    id: Mapped[int] = mapped_column(primary_key=True)
    open_balance: Mapped[int]


class Ledger(Base):
    __tablename__ = "ledgers"
    id: Mapped[int] = mapped_column(primary_key=True)
    open_balance: Mapped[int]
    version: Mapped[int] = mapped_column(nullable=False)
    __mapper_args__ = {"version_id_col": version}


class Order(Base):
    __tablename__ = "orders"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    ledger_id: Mapped[int] = mapped_column(ForeignKey("ledgers.id"))
    total: Mapped[int]
    paid: Mapped[int]
    customer: Mapped[Customer] = relationship()


class OrderLine(Base):
    __tablename__ = "order_lines"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    quantity: Mapped[int]
'''
GENERATED = "from opsgen.runtime.operation import Operation\n\n\nclass SettleOrderBase(Operation):\n    pass\n"
PROJECT = {
    "app/__init__.py": "",
    "app/generated.py": GENERATED,
    "app/models.py": MODELS,
    "pyproject.toml": '[tool.opsgen]\nspecs = "specs"\n',
}
HEADER = (
    "from sqlalchemy import select\n\n"
    "from opsgen.runtime.execution import ExecutionContext\n\n"
    "from app.generated import SettleOrderBase\n"
    "from app.models import Customer, Ledger, Order, OrderLine\n\n\n"
    "class SettleOrder(SettleOrderBase):\n"
)
ANNOTATED = "    def run(self, ctx: ExecutionContext, *, order_id, amount):\n"
PLAIN = "    def run(self, ctx, *, order_id, amount):\n"
KEYWORDS = "    def run(self, ctx: ExecutionContext, **inputs):\n"

#: Bodies of run() whose line marked ``# OPS202`` changes a row that no lock covers.
UNCOVERED = {
    "session get by foreign key": (
        "order = ctx.session.get(Order, order_id)\n"
        "customer = ctx.session.get(Customer, order.customer_id)\n"
        "customer.open_balance -= order.total  # OPS202\n"
    ),
    "select where foreign key": (
        "order = ctx.session.get(Order, order_id)\n"
        "stmt = select(Customer).where(Customer.id == order.customer_id)\n"
        "customer = ctx.session.execute(stmt).scalar_one()\n"
        "customer.open_balance -= order.total  # OPS202\n"
    ),
    "query filter_by one": (
        "order = ctx.session.query(Order).filter_by(id=order_id).one()\n"
        "customer = ctx.session.query(Customer).filter_by(id=order.customer_id).one()\n"
        "customer.open_balance = customer.open_balance - order.total  # OPS202\n"
    ),
    "foreign key copied first": (
        "order = ctx.session.get(Order, order_id)\n"
        "customer_id = order.customer_id\n"
        "customer = ctx.session.scalars(select(Customer).filter_by(id=customer_id)).one()\n"
        "customer.open_balance -= order.total  # OPS202\n"
    ),
    "relationship attribute": (
        "order = ctx.session.get(Order, order_id)\n"
        "order.customer.open_balance -= order.total  # OPS202\n"
    ),
    "relationship bound to a name": (
        "order = ctx.session.get(Order, order_id)\n"
        "customer = order.customer\n"
        "customer.open_balance -= order.total  # OPS202\n"
    ),
    "django row saved": (
        "order = Order.objects.select_for_update().get(pk=order_id)\n"
        "customer = Customer.objects.get(pk=order.customer_id)\n"
        "customer.open_balance -= order.total  # OPS202\n"
        "customer.save()\n"
    ),
    "lock on the order row only": (
        "order = ctx.session.get(Order, order_id, with_for_update=True)\n"
        "customer = ctx.session.get(Customer, order.customer_id)\n"
        "customer.open_balance -= order.total  # OPS202\n"
    ),
}

#: Bodies of run() that change only rows a lock covers, or nothing that counts.
COVERED = {
    "row loaded by the locked input": (
        "order = ctx.session.get(Order, order_id)\n"
        "order.paid += amount\n"
    ),
    "statement on the locked input": (
        "stmt = select(Order).where(Order.id == order_id)\n"
        "result = ctx.session.execute(stmt)\n"
        "order = result.scalar_one()\n"
        "order.paid += amount\n"
    ),
    "lines of the locked order": (
        "order = ctx.session.get(Order, order_id)\n"
        "line = ctx.session.scalars(select(OrderLine).where(OrderLine.order_id == order.id)).first()\n"
        "line.quantity -= 1\n"
    ),
    "session get with_for_update": (
        "order = ctx.session.get(Order, order_id)\n"
        "customer = ctx.session.get(Customer, order.customer_id, with_for_update=True, populate_existing=True)\n"
        "customer.open_balance -= order.total\n"
    ),
    "select with_for_update populate_existing": (
        "order = ctx.session.get(Order, order_id)\n"
        "stmt = select(Customer).where(Customer.id == order.customer_id).with_for_update()\n"
        "customer = ctx.session.execute(stmt.execution_options(populate_existing=True)).scalar_one()\n"
        "customer.open_balance -= order.total\n"
    ),
    "query with_for_update": (
        "order = ctx.session.query(Order).filter_by(id=order_id).one()\n"
        "customer = ctx.session.query(Customer).with_for_update().filter_by(id=order.customer_id).one()\n"
        "customer.open_balance -= order.total\n"
    ),
    "relationship refreshed with a lock": (
        "order = ctx.session.get(Order, order_id)\n"
        "customer = order.customer\n"
        "ctx.session.refresh(customer, with_for_update=True)\n"
        "customer.open_balance -= order.total\n"
    ),
    "one update statement": (
        "order = ctx.session.get(Order, order_id)\n"
        "ctx.session.execute(\n"
        "    Customer.__table__.update()\n"
        "    .where(Customer.id == order.customer_id)\n"
        "    .values(open_balance=Customer.open_balance - order.total)\n"
        ")\n"
    ),
    "version column checks the write": (
        "order = ctx.session.get(Order, order_id)\n"
        "ledger = ctx.session.get(Ledger, order.ledger_id)\n"
        "ledger.open_balance -= order.total\n"
    ),
    "django unsaved copy": (
        "order = Order.objects.select_for_update().get(pk=order_id)\n"
        "customer = Customer.objects.get(pk=order.customer_id)\n"
        "customer.open_balance -= order.total\n"
        "return customer.open_balance\n"
    ),
}


def _run(body: str, signature: str = ANNOTATED) -> str:
    return HEADER + signature + "".join("        " + line + "\n" for line in body.splitlines())


def _lint(source: str, tmp_path: Path, spec: str = LOCKED_SPEC, codes: tuple[str, ...] = ("OPS202",)) -> list[Finding]:
    example = Example(source, path="app/settle.py", files={**PROJECT, "specs/settle_order.yaml": spec})
    return lint_example(example, [RULES[code] for code in codes], tmp_path)


def _marked(source: str) -> list[int]:
    return [number for number, line in enumerate(source.splitlines(), start=1) if line.endswith("# OPS202")]


@pytest.mark.parametrize("signature", [ANNOTATED, PLAIN], ids=["annotated", "plain"])
@pytest.mark.parametrize("body", UNCOVERED.values(), ids=UNCOVERED.keys())
def test_uncovered_row_reported(body: str, signature: str, tmp_path: Path) -> None:
    source = _run(body, signature)
    findings = _lint(source, tmp_path)
    assert [f.line for f in findings] == _marked(source)
    assert "the spec of billing.settle_order locks only order:{order_id}" in findings[0].message


@pytest.mark.parametrize("signature", [ANNOTATED, PLAIN], ids=["annotated", "plain"])
@pytest.mark.parametrize("body", COVERED.values(), ids=COVERED.keys())
def test_covered_row_quiet(body: str, signature: str, tmp_path: Path) -> None:
    findings = _lint(_run(body, signature), tmp_path)
    assert [f"{f.line}: {f.message}" for f in findings] == []


def _line_of(source: str, text: str) -> int:
    return next(number for number, line in enumerate(source.splitlines(), start=1) if text in line)


def test_foreign_key_message(tmp_path: Path) -> None:
    source = _run(UNCOVERED["session get by foreign key"])
    [finding] = _lint(source, tmp_path)
    load = _line_of(source, "ctx.session.get(Customer")
    assert finding.message.startswith(f"OPS202 customer.open_balance is decremented in Python on a row loaded on line {load} ")
    assert "by a value that no lock key names" in finding.message
    assert "load the row with session.get(..., with_for_update=True)" in finding.message
    assert "update(Customer).values(open_balance=Customer.open_balance - n)" in finding.message


def test_relationship_message(tmp_path: Path) -> None:
    source = _run(UNCOVERED["relationship bound to a name"])
    [finding] = _lint(source, tmp_path)
    binding = _line_of(source, "customer = order.customer")
    assert f"on a row reached through order.customer on line {binding}," in finding.message
    assert "load the row with with_for_update()" in finding.message
    assert "one UPDATE (SET open_balance = open_balance - n)" in finding.message


def test_keyword_inputs(tmp_path: Path) -> None:
    body = (
        'order = ctx.session.get(Order, inputs["order_id"])\n'
        'order.paid += inputs.get("amount", 0)\n'
        "customer = ctx.session.get(Customer, order.customer_id)\n"
        "customer.open_balance -= order.total  # OPS202\n"
    )
    source = _run(body, KEYWORDS)
    assert [f.line for f in _lint(source, tmp_path)] == _marked(source)


def test_spec_without_locks(tmp_path: Path) -> None:
    """The row loaded by an input is OPS204's finding; the foreign-key row is OPS202's."""
    source = _run(UNCOVERED["session get by foreign key"].replace(
        "order = ctx.session.get(Order, order_id)\n",
        "order = ctx.session.get(Order, order_id)\norder.paid += amount\n",
    ))
    findings = _lint(source, tmp_path, spec=SPEC, codes=("OPS202", "OPS204"))
    expected = [("OPS204", _line_of(source, "get(Order, order_id)")), ("OPS202", _marked(source)[0])]
    assert [(f.code, f.line) for f in findings] == expected
    assert "the spec of billing.settle_order declares no locks" in findings[1].message


def test_singleton_operation_quiet(tmp_path: Path) -> None:
    source = _run(UNCOVERED["session get by foreign key"])
    assert _lint(source, tmp_path, spec=SPEC + "singleton: true\n") == []


def test_function_outside_operation_unchanged(tmp_path: Path) -> None:
    """A function that is no operation's run() keeps the plain check."""
    source = (
        "def settle(session, order_id):\n"
        "    order = session.get(Order, order_id)\n"
        "    order.paid += 1\n"
        "    session.commit()\n"
    )
    findings = _lint(source, tmp_path)
    assert [f.line for f in findings] == [3]
    assert "written back when the session flushes" in findings[0].message


#: A check of the customer's credit, then a write computed from it: OPS201's shape.
CHECKED_CREDIT = (
    "order = ctx.session.get(Order, order_id)\n"
    "customer = ctx.session.get(Customer, order.customer_id){lock}\n"
    "if customer.open_balance < order.total:\n"
    "    raise ValueError(order_id)\n"
    "customer.open_balance = max(customer.open_balance - order.total, 0)\n"
)
#: The same check and write on the order, which the lock key covers.
CHECKED_ORDER = (
    "order = ctx.session.get(Order, order_id)\n"
    "if order.paid >= order.total:\n"
    "    raise ValueError(order_id)\n"
    "order.paid = min(order.paid + amount, order.total)\n"
)


@pytest.mark.parametrize("signature", [ANNOTATED, PLAIN], ids=["annotated", "plain"])
def test_checked_uncovered_row_reported(signature: str, tmp_path: Path) -> None:
    source = _run(CHECKED_CREDIT.format(lock=""), signature)
    [finding] = _lint(source, tmp_path, codes=("OPS201",))
    assert finding.line == _line_of(source, "ctx.session.get(Customer")
    assert finding.message.startswith("OPS201 customer is loaded here by a value that no lock key names")
    assert "the spec of billing.settle_order locks only order:{order_id}" in finding.message
    assert "update(Customer).where(...).values(...)" in finding.message


@pytest.mark.parametrize("signature", [ANNOTATED, PLAIN], ids=["annotated", "plain"])
@pytest.mark.parametrize(
    "body",
    [CHECKED_CREDIT.format(lock=", with_for_update=True"), CHECKED_ORDER],
    ids=["row lock", "covered order"],
)
def test_checked_row_quiet(body: str, signature: str, tmp_path: Path) -> None:
    findings = _lint(_run(body, signature), tmp_path, codes=("OPS201",))
    assert [f"{f.line}: {f.message}" for f in findings] == []


def test_checked_order_without_lock_left_to_ops204(tmp_path: Path) -> None:
    source = _run(CHECKED_ORDER, PLAIN)
    findings = _lint(source, tmp_path, spec=SPEC, codes=("OPS201", "OPS204"))
    assert [(f.code, f.line) for f in findings] == [("OPS204", _line_of(source, "get(Order, order_id)"))]


def test_keyword_input_without_lock_ops204(tmp_path: Path) -> None:
    body = 'order = ctx.session.get(Order, inputs["order_id"])\norder.paid += 1\n'
    source = _run(body, KEYWORDS)
    findings = _lint(source, tmp_path, spec=SPEC, codes=("OPS202", "OPS204"))
    assert [(f.code, f.line) for f in findings] == [("OPS204", _line_of(source, "get(Order"))]
    assert "by its input order_id" in findings[0].message


@pytest.mark.parametrize(
    "key",
    ["ctx.actor", "ctx.context.actor", 'ctx.context.get("actor")', 'ctx.context.extra["actor"]'],
)
def test_context_key_lock_covers_row(key: str, tmp_path: Path) -> None:
    """A lock key may name a context key, and a row loaded by that key is covered."""
    body = f"customer = ctx.session.get(Customer, {key})\ncustomer.open_balance -= amount  # OPS202\n"
    source = _run(body)
    assert _lint(source, tmp_path / "locked", spec=SPEC + 'locks:\n  - key: "customer:{actor}"\n') == []
    assert [f.line for f in _lint(source, tmp_path / "unlocked", spec=LOCKED_SPEC)] == _marked(source)


def test_keyword_input_amount_counts(tmp_path: Path) -> None:
    """``inputs["amount"]`` is an amount read from ``**inputs``, not text appended to the field."""
    body = (
        'order = ctx.session.get(Order, inputs["order_id"])\n'
        "customer = ctx.session.get(Customer, order.customer_id)\n"
        'customer.open_balance -= inputs["amount"]  # OPS202\n'
        'customer.open_balance = customer.open_balance - inputs.get("amount", 0)  # OPS202\n'
    )
    source = _run(body, KEYWORDS)
    assert [f.line for f in _lint(source, tmp_path)] == _marked(source)
