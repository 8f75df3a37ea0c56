"""OPS101 inside an opsgen operation's run(): the operation's transaction from the first line."""

from __future__ import annotations

import textwrap
from pathlib import Path

from opsgen.lint.autofix import apply_fixes
from opsgen.lint.engine import lint_paths
from opsgen.lint.fixplan import plan_fixes
from opsgen.lint.rule import Finding, Fix

from tests_lint_support import write_project  # type: ignore[import-not-found]

OPERATION_REASON = "inside the transaction of operation shop.ship_order (its spec says transaction: true)"
OPERATION_ADVICE = "with ctx.after_commit(...) or an effect declared in the operation's spec"

SPEC = """\
name: shop.ship_order
transaction: true
input:
  order_id: int
"""

SHIP = """\
import requests

from app.generated import ShipOrderBase
from app.models import Order, Shipment

URL = "https://example.invalid/shipped"


class ShipOrder(ShipOrderBase):
    def run(self, {context}, *, order_id):
{body}
"""


def lint_operation(tmp_path: Path, body: str, spec: str = SPEC, context: str = "ctx") -> tuple[Path, list[Finding]]:
    """Lint an operation whose run() has ``body`` (dedented); return its file and the OPS101 findings."""
    files = {
        "app/__init__.py": "",
        "app/generated.py": "class ShipOrderBase:\n    pass\n",
        "app/models.py": "class Order:\n    pass\n\n\nclass Shipment:\n    pass\n",
        "app/ship.py": SHIP.format(context=context, body=textwrap.indent(textwrap.dedent(body), " " * 8)),
        "specs/ship_order.yaml": spec,
    }
    root = write_project(tmp_path / "project", files, '[tool.opsgen]\nspecs = "specs"\n')
    result = lint_paths([root / "app"], use_cache=False)
    return root / "app" / "ship.py", [f for f in result.findings if f.code == "OPS101"]


def line_of(path: Path, text: str) -> int:
    return next(number for number, line in enumerate(path.read_text().splitlines(), start=1) if text in line)


def test_call_after_write_names_operation(tmp_path: Path) -> None:
    path, findings = lint_operation(
        tmp_path,
        """\
        ctx.session.add(Shipment(order_id=order_id))
        requests.post(URL, data=order_id)
        """,
    )

    assert [f.line for f in findings] == [line_of(path, "requests.post")]
    message = findings[0].message
    assert OPERATION_REASON in message
    assert message.endswith(OPERATION_ADVICE)
    assert "begun by the write" not in message
    assert "event listener" not in message


def test_calls_before_and_after_write_alike(tmp_path: Path) -> None:
    path, findings = lint_operation(
        tmp_path,
        """\
        requests.post(URL, data=order_id)
        order = ctx.session.get(Order, order_id)
        ctx.session.add(Shipment(order_id=order.id))
        requests.post(URL, data=order_id)
        """,
    )

    before, after = findings
    assert before.message == after.message
    assert before.fix == Fix("defer", before.line, 8, "opsgen", "ctx")
    assert after.fix == Fix("defer", after.line, 8, "opsgen", "ctx")


def test_savepoint_inside_run_names_operation(tmp_path: Path) -> None:
    path, findings = lint_operation(
        tmp_path,
        """\
        with ctx.session.begin_nested():
            ctx.session.add(Shipment(order_id=order_id))
            requests.post(URL, data=order_id)
        requests.post(URL, data=order_id)
        """,
    )

    assert len(findings) == 2
    for finding in findings:
        assert OPERATION_REASON in finding.message
        assert finding.fix is not None


def test_fix_defers_through_context(tmp_path: Path) -> None:
    path, findings = lint_operation(
        tmp_path,
        """\
        ctx.session.add(Shipment(order_id=order_id))
        requests.post(URL, data=order_id)
        return {"ok": True}
        """,
    )

    fixed = apply_fixes(path.read_text(), [f.fix for f in findings if f.fix is not None])

    assert fixed.applied == 1
    assert "        ctx.after_commit(partial(requests.post, URL, data=order_id))\n" in fixed.source
    assert "from functools import partial\n" in fixed.source
    assert "on_commit" not in fixed.source


def test_fix_keeps_context_parameter_name(tmp_path: Path) -> None:
    path, findings = lint_operation(
        tmp_path,
        """\
        context.session.add(Shipment(order_id=order_id))
        requests.post(URL, data=order_id)
        """,
        context="context",
    )

    fixed = apply_fixes(path.read_text(), [f.fix for f in findings if f.fix is not None])

    assert fixed.applied == 1
    assert "context.after_commit(partial(requests.post, URL, data=order_id))" in fixed.source


def test_argument_changed_later_not_fixed(tmp_path: Path) -> None:
    path, findings = lint_operation(
        tmp_path,
        """\
        payload = {"order": order_id}
        ctx.session.add(Shipment(order_id=order_id))
        requests.post(URL, json=payload)
        payload["sent"] = True
        """,
    )

    plan = plan_fixes(findings)

    assert len(findings) == 1
    assert plan.not_fixable[findings[0]] == "a later statement changes payload"
    assert plan.files == ()


def test_result_used_not_fixed(tmp_path: Path) -> None:
    path, findings = lint_operation(
        tmp_path,
        """\
        ctx.session.add(Shipment(order_id=order_id))
        response = requests.post(URL, data=order_id)
        return {"ok": response.ok}
        """,
    )

    assert len(findings) == 1
    assert OPERATION_REASON in findings[0].message
    assert findings[0].fix is None
    assert findings[0].no_fix_reason == "the call's result is used"


def test_later_raise_not_fixed(tmp_path: Path) -> None:
    path, findings = lint_operation(
        tmp_path,
        """\
        ctx.session.add(Shipment(order_id=order_id))
        requests.post(URL, data=order_id)
        if order_id < 0:
            raise ValueError(order_id)
        """,
    )

    raise_line = line_of(path, "raise ValueError")
    assert len(findings) == 1
    assert findings[0].fix is None
    assert findings[0].no_fix_reason is not None
    assert f"the raise at line {raise_line}" in findings[0].no_fix_reason


def test_spec_without_transaction_keeps_session(tmp_path: Path) -> None:
    path, findings = lint_operation(
        tmp_path,
        """\
        ctx.session.add(Shipment(order_id=order_id))
        requests.post(URL, data=order_id)
        """,
        spec=SPEC.replace("transaction: true\n", ""),
    )

    write_line = line_of(path, "ctx.session.add")
    assert len(findings) == 1
    assert f"inside the ctx.session transaction begun by the write at line {write_line}" in findings[0].message
    assert findings[0].fix is None


def test_django_and_sqlalchemy_messages_unchanged(tmp_path: Path) -> None:
    files = {
        "shop/__init__.py": "",
        "shop/django_orders.py": """\
            import requests
            from django.db import transaction


            def place(order):
                with transaction.atomic():
                    order.save()
                    requests.post("https://example.invalid", data=order.pk)
            """,
        "shop/sa_orders.py": """\
            import requests
            from sqlalchemy.orm import Session


            def place(session: Session, order):
                session.add(order)
                requests.post("https://example.invalid", data=order.id)
                session.commit()
            """,
    }
    root = write_project(tmp_path / "project", files)

    findings = lint_paths([root / "shop"], use_cache=False).findings

    assert [f.message for f in findings] == [
        "OPS101 requests.post() is an HTTP request inside the atomic() block at line 6; "
        "defer it until after commit with transaction.on_commit(...)",
        "OPS101 requests.post() is an HTTP request inside the session transaction begun by the write at line 6, "
        "not yet committed; move it below session.commit(), which 'opsgen lint --fix' does where it is safe, "
        "or defer it to an after_commit listener on the session or to an opsgen operation that declares it as an effect",
    ]
    assert findings[0].fix is not None
    assert findings[1].fix is not None
    assert findings[1].fix.kind == "move"
