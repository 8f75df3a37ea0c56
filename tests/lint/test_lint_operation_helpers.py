"""OPS101 in the helper methods of an opsgen operation: the operation's transaction when only run() reaches them."""

from __future__ import annotations

import textwrap
from pathlib import Path

from opsgen.lint.autofix import apply_fixes
from opsgen.lint.engine import lint_paths
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

HEADER = """\
import requests

from app.generated import ShipOrderBase
from app.models import Order, Shipment

URL = "https://example.invalid/shipped"


"""


def lint_project(tmp_path: Path, ship: str, extra: dict[str, str] | None = None, spec: str = SPEC) -> tuple[Path, list[Finding]]:
    """Lint a project whose ``app/ship.py`` is ``HEADER`` plus ``ship`` (dedented); return the file and the OPS101 findings."""
    files = {
        "app/__init__.py": "",
        "app/generated.py": "class ShipOrderBase:\n    pass\n\n\nclass PackOrderBase:\n    pass\n",
        "app/models.py": "class Order:\n    pass\n\n\nclass Shipment:\n    pass\n",
        "app/ship.py": HEADER + textwrap.dedent(ship),
        "specs/ship_order.yaml": spec,
        **(extra or {}),
    }
    root = write_project(tmp_path / "project", files, '[tool.opsgen]\nspecs = "specs"\n')
    result = lint_paths([root / "app"], use_cache=False)
    return root / "app" / "ship.py", [f for f in result.findings if f.code == "OPS101"]


def line_of(path: Path, text: str) -> int:
    return next(number for number, line in enumerate(path.read_text().splitlines(), start=1) if text in line)


def test_helper_effect_names_operation(tmp_path: Path) -> None:
    path, findings = lint_project(
        tmp_path,
        """\
        class ShipOrder(ShipOrderBase):
            def run(self, ctx, *, order_id):
                ctx.session.add(Shipment(order_id=order_id))
                self.notify(ctx, order_id)

            def notify(self, ctx, order_id):
                requests.post(URL, data=order_id)
        """,
    )

    assert [f.line for f in findings] == [line_of(path, "requests.post")]
    assert OPERATION_REASON in findings[0].message
    assert findings[0].message.endswith(OPERATION_ADVICE)
    assert findings[0].via == ()
    assert findings[0].fix == Fix("defer", findings[0].line, 8, "opsgen", "ctx")


def test_helper_after_own_write_not_session(tmp_path: Path) -> None:
    path, findings = lint_project(
        tmp_path,
        """\
        class ShipOrder(ShipOrderBase):
            def run(self, ctx, *, order_id):
                self._ship(ctx, order_id)

            def _ship(self, ctx, order_id):
                ctx.session.add(Shipment(order_id=order_id))
                requests.post(URL, data=order_id)
        """,
    )

    assert [f.line for f in findings] == [line_of(path, "requests.post")]
    assert OPERATION_REASON in findings[0].message
    assert "begun by the write" not in findings[0].message
    assert findings[0].fix is not None


def test_helper_two_levels_down(tmp_path: Path) -> None:
    path, findings = lint_project(
        tmp_path,
        """\
        class ShipOrder(ShipOrderBase):
            def run(self, ctx, *, order_id):
                self._settle(ctx, order_id)

            def _settle(self, ctx, order_id):
                ctx.session.add(Shipment(order_id=order_id))
                self._announce(ctx, order_id)

            def _announce(self, ctx, order_id):
                requests.post(URL, data=order_id)
        """,
    )

    assert [f.line for f in findings] == [line_of(path, "requests.post")]
    assert OPERATION_REASON in findings[0].message


def test_mixin_helper_in_other_module(tmp_path: Path) -> None:
    mixin = """\
        import requests


        class NoticeMixin:
            def announce(self, ctx, order_id):
                requests.post("https://example.invalid/notice", data=order_id)
        """
    path, findings = lint_project(
        tmp_path,
        """\
        from app.notices import NoticeMixin


        class ShipOrder(NoticeMixin, ShipOrderBase):
            def run(self, ctx, *, order_id):
                self.announce(ctx, order_id)
        """,
        extra={"app/notices.py": mixin},
    )

    notices = path.with_name("notices.py")
    assert [(Path(f.path), f.line) for f in findings] == [(notices, line_of(notices, "requests.post"))]
    assert OPERATION_REASON in findings[0].message


def test_fix_through_self_attribute(tmp_path: Path) -> None:
    path, findings = lint_project(
        tmp_path,
        """\
        class ShipOrder(ShipOrderBase):
            def run(self, context, *, order_id):
                self.context = context
                self._notify(order_id)

            def _notify(self, order_id):
                requests.post(URL, data=order_id)
        """,
    )

    assert len(findings) == 1
    assert findings[0].fix == Fix("defer", findings[0].line, 8, "opsgen", "self.context")
    fixed = apply_fixes(path.read_text(), [findings[0].fix])
    assert fixed.applied == 1
    assert "        self.context.after_commit(partial(requests.post, URL, data=order_id))\n" in fixed.source


def test_fix_through_parameter_applies(tmp_path: Path) -> None:
    path, findings = lint_project(
        tmp_path,
        """\
        class ShipOrder(ShipOrderBase):
            def run(self, ctx, *, order_id):
                self._notify(ctx, order_id)

            def _notify(self, ctx, order_id):
                requests.post(URL, data=order_id)
        """,
    )

    fixed = apply_fixes(path.read_text(), [f.fix for f in findings if f.fix is not None])

    assert fixed.applied == 1
    assert "        ctx.after_commit(partial(requests.post, URL, data=order_id))\n" in fixed.source


def test_helper_without_context_not_fixed(tmp_path: Path) -> None:
    path, findings = lint_project(
        tmp_path,
        """\
        class ShipOrder(ShipOrderBase):
            def run(self, ctx, *, order_id):
                self._notify(order_id)

            def _notify(self, order_id):
                requests.post(URL, data=order_id)
        """,
    )

    assert [f.line for f in findings] == [line_of(path, "requests.post")]
    assert OPERATION_REASON in findings[0].message
    assert findings[0].fix is None
    assert findings[0].no_fix_reason is not None
    assert "_notify() has no parameter or attribute of self that holds the operation's context" in findings[0].no_fix_reason


def test_raise_in_run_after_helper_not_fixed(tmp_path: Path) -> None:
    path, findings = lint_project(
        tmp_path,
        """\
        class ShipOrder(ShipOrderBase):
            def run(self, ctx, *, order_id):
                self._notify(ctx, order_id)
                if order_id < 0:
                    raise ValueError(order_id)

            def _notify(self, ctx, order_id):
                requests.post(URL, data=order_id)
        """,
    )

    assert len(findings) == 1
    assert findings[0].fix is None
    assert findings[0].no_fix_reason is not None
    assert f"the raise at line {line_of(path, 'raise ValueError')} in run()" in findings[0].no_fix_reason


def test_helper_also_called_by_public_method(tmp_path: Path) -> None:
    path, findings = lint_project(
        tmp_path,
        """\
        class ShipOrder(ShipOrderBase):
            def run(self, ctx, *, order_id):
                self.notify(order_id)

            def resend(self, order_id):
                self.notify(order_id)

            def notify(self, order_id):
                requests.post(URL, data=order_id)
        """,
    )

    assert [f.line for f in findings] == [line_of(path, "self.notify(order_id)")]
    assert line_of(path, "self.notify(order_id)") < line_of(path, "def resend")
    assert findings[0].message.startswith("OPS101 self.notify() leads to an HTTP request")
    assert OPERATION_REASON in findings[0].message
    assert findings[0].fix is None


def test_helper_called_from_other_module(tmp_path: Path) -> None:
    view = """\
        from app.ship import ShipOrder


        def resend(order_id):
            ShipOrder().notify(order_id)
        """
    path, findings = lint_project(
        tmp_path,
        """\
        class ShipOrder(ShipOrderBase):
            def run(self, ctx, *, order_id):
                self.notify(order_id)

            def notify(self, order_id):
                requests.post(URL, data=order_id)
        """,
        extra={"app/views.py": view},
    )

    assert [(Path(f.path), f.line) for f in findings] == [(path, line_of(path, "self.notify(order_id)"))]


def test_helper_deferred_by_nested_function(tmp_path: Path) -> None:
    path, findings = lint_project(
        tmp_path,
        """\
        class ShipOrder(ShipOrderBase):
            def run(self, ctx, *, order_id):
                def later():
                    self.notify(order_id)

                ctx.after_commit(later)

            def notify(self, order_id):
                requests.post(URL, data=order_id)
        """,
    )

    assert findings == []


def test_helper_of_two_operations_reported_at_calls(tmp_path: Path) -> None:
    mixin = """\
        import requests


        class NoticeMixin:
            def announce(self, ctx, order_id):
                requests.post("https://example.invalid/notice", data=order_id)
        """
    pack = """\
        from app.generated import PackOrderBase
        from app.notices import NoticeMixin


        class PackOrder(NoticeMixin, PackOrderBase):
            def run(self, ctx, *, order_id):
                self.announce(ctx, order_id)
        """
    pack_spec = "name: shop.pack_order\ntransaction: true\ninput:\n  order_id: int\n"
    path, findings = lint_project(
        tmp_path,
        """\
        from app.notices import NoticeMixin


        class ShipOrder(NoticeMixin, ShipOrderBase):
            def run(self, ctx, *, order_id):
                self.announce(ctx, order_id)
        """,
        extra={"app/notices.py": mixin, "app/pack.py": pack, "specs/pack_order.yaml": pack_spec},
    )

    reported = sorted((Path(f.path).name, f.line) for f in findings)
    assert reported == [("pack.py", 7), ("ship.py", line_of(path, "self.announce"))]
    assert all(f.via for f in findings)


def test_helper_of_spec_without_transaction(tmp_path: Path) -> None:
    path, findings = lint_project(
        tmp_path,
        """\
        class ShipOrder(ShipOrderBase):
            def run(self, ctx, *, order_id):
                self._notify(ctx, order_id)

            def _notify(self, ctx, order_id):
                requests.post(URL, data=order_id)
        """,
        spec=SPEC.replace("transaction: true\n", ""),
    )

    assert findings == []


def test_new_outside_caller_moves_finding(tmp_path: Path) -> None:
    ship = """\
        class ShipOrder(ShipOrderBase):
            def run(self, ctx, *, order_id):
                self.notify(ctx, order_id)

            def notify(self, ctx, order_id):
                requests.post(URL, data=order_id)
        """
    files = {
        "app/__init__.py": "",
        "app/generated.py": "class ShipOrderBase:\n    pass\n",
        "app/models.py": "class Order:\n    pass\n\n\nclass Shipment:\n    pass\n",
        "app/ship.py": HEADER + textwrap.dedent(ship),
        "app/views.py": "def index():\n    return 'ok'\n",
        "specs/ship_order.yaml": SPEC,
    }
    root = write_project(tmp_path / "project", files, '[tool.opsgen]\nspecs = "specs"\n')
    path = root / "app" / "ship.py"

    first = [f.line for f in lint_paths([root / "app"]).findings if f.code == "OPS101"]
    views = "from app.ship import ShipOrder\n\n\ndef resend(ctx, order_id):\n    ShipOrder().notify(ctx, order_id)\n"
    (root / "app" / "views.py").write_text(views)
    second = [f.line for f in lint_paths([root / "app"]).findings if f.code == "OPS101"]

    assert first == [line_of(path, "requests.post")]
    assert second == [line_of(path, "self.notify(ctx, order_id)")]
