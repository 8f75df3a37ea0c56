"""Regeneration updates the run signature of an implementation and keeps its body.

Where the update is unsafe, nothing is written and the message names the file, the line
and the new signature.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from codegen_helpers import PLACE_ORDER_IMPLEMENTATION as IMPLEMENTATION
from codegen_helpers import PLACE_ORDER_SPEC as SPEC
from codegen_helpers import make_project, run_opsgen

IMPLEMENTATION_PATH = Path("app/operations/shop/place_order.py")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = make_project(tmp_path / "project", specs=None)
    (root / "specs" / "shop").mkdir()
    (root / "specs" / "shop" / "place_order.yaml").write_text(SPEC)
    first = run_opsgen(root, "generate")
    assert first.returncode == 0, first.stderr
    (root / IMPLEMENTATION_PATH).write_text(IMPLEMENTATION)
    return root


def change_spec(root: Path, old: str, new: str) -> None:
    path = root / "specs" / "shop" / "place_order.yaml"
    path.write_text(path.read_text().replace(old, new))


def test_new_input_updates_signature(project: Path) -> None:
    change_spec(project, "  quantity: int\n", "  quantity: int\n  coupon:\n    type: str\n    optional: true\n")

    process = run_opsgen(project, "generate")

    assert process.returncode == 0, process.stderr
    text = (project / IMPLEMENTATION_PATH).read_text()
    assert "coupon: str | None" in text
    assert "order_id: UUID" in text
    assert '        unit = Decimal("2.50")  # fixed price for now\n' in text
    assert "    # Prices come from the catalogue.\n" in text
    assert text.startswith('"""Place an order."""\n')
    assert "1 signature updated" in process.stdout


def test_output_change_updates_return_and_imports(project: Path) -> None:
    change_spec(project, "  quantity: int\n", "  quantity: int\n  placed_on: date\n")

    process = run_opsgen(project, "generate")

    assert process.returncode == 0, process.stderr
    text = (project / IMPLEMENTATION_PATH).read_text()
    assert "placed_on: date" in text
    assert "from datetime import date" in text
    compile(text, "place_order.py", "exec")


def test_dropped_input_still_used_is_reported(project: Path) -> None:
    change_spec(project, "  quantity: int\n", "  count: int\n")
    before = (project / IMPLEMENTATION_PATH).read_text()

    process = run_opsgen(project, "generate")

    assert process.returncode == 1
    assert (project / IMPLEMENTATION_PATH).read_text() == before
    assert process.stderr.startswith(
        f"opsgen generate: {IMPLEMENTATION_PATH.as_posix()}:17: cannot update PlaceOrder.run (defined on line 15) "
        "because its body still uses quantity, which the spec no longer has as input; change its signature to:\n"
        "    def run(\n"
        "        self,\n"
        "        ctx: ExecutionContext,\n"
        "        *,\n"
        "        order_id: UUID,\n"
        "        count: int,\n"
        "    ) -> PlaceOrderOutput:\n"
    )


def test_dropped_input_path_relative_to_subfolder(project: Path) -> None:
    change_spec(project, "  quantity: int\n", "  count: int\n")

    process = run_opsgen(project / "app", "generate")

    assert process.returncode == 1
    assert process.stderr.startswith(
        "opsgen generate: operations/shop/place_order.py:17: cannot update PlaceOrder.run (defined on line 15) "
    )


def test_attribute_and_keyword_are_not_uses(project: Path) -> None:
    path = project / IMPLEMENTATION_PATH
    path.write_text(path.read_text().replace("        unit = ", "        self.log(quantity=1, note=self.quantity)\n        unit = "))
    change_spec(project, "  quantity: int\n", "  count: int\n")

    process = run_opsgen(project, "generate")

    assert process.returncode == 1
    assert process.stderr.startswith(
        f"opsgen generate: {IMPLEMENTATION_PATH.as_posix()}:18: cannot update PlaceOrder.run (defined on line 15) "
        "because its body still uses quantity, which the spec no longer has as input; change its signature to:\n"
    )


def test_kwargs_signature_is_reported(project: Path) -> None:
    path = project / IMPLEMENTATION_PATH
    path.write_text(path.read_text().replace("quantity: int) ->", "quantity: int, **extra: object) ->"))
    change_spec(project, "  quantity: int\n", "  quantity: int\n  note: str\n")
    before = path.read_text()

    process = run_opsgen(project, "generate")

    assert process.returncode == 1
    assert path.read_text() == before
    assert "takes **extra" in process.stderr
    assert "note: str" in process.stderr


def test_renamed_method_is_reported(project: Path) -> None:
    path = project / IMPLEMENTATION_PATH
    path.write_text(path.read_text().replace("def run(", "def execute("))
    before = path.read_text()

    process = run_opsgen(project, "generate")

    assert process.returncode == 1
    assert path.read_text() == before
    assert f"{IMPLEMENTATION_PATH.as_posix()}:13: class PlaceOrder has no method run" in process.stderr


def test_unchanged_signature_is_not_rewritten(project: Path) -> None:
    change_spec(project, "name: shop.place_order\n", "name: shop.place_order\ndescription: Place it.\n")
    path = project / IMPLEMENTATION_PATH
    before = path.stat().st_mtime_ns

    process = run_opsgen(project, "generate")

    assert process.returncode == 0, process.stderr
    assert path.stat().st_mtime_ns == before
    assert path.read_text() == IMPLEMENTATION
