"""A warm run re-checks OPS101 in an operation whose spec changed, though no Python file did."""

from __future__ import annotations

from pathlib import Path

from opsgen.lint.config import load_config
from opsgen.lint.engine import lint_paths

from tests_lint_support import SHIP_ORDER, write_project  # type: ignore[import-not-found]

SPEC = "name: shop.ship_order\ntransaction: {transaction}\ninput:\n  order_id: int\n"


def test_spec_without_transaction_clears_finding(tmp_path: Path) -> None:
    files = {
        "app/__init__.py": "",
        "app/generated.py": "class ShipOrderBase:\n    pass\n",
        "app/ship.py": SHIP_ORDER,
        "specs/ship_order.yaml": SPEC.format(transaction="true"),
    }
    root = write_project(tmp_path / "project", files, '[tool.opsgen]\nspecs = "specs"\n')
    assert [f.code for f in lint_paths([root], load_config(root)).findings] == ["OPS101"]

    (root / "specs/ship_order.yaml").write_text(SPEC.format(transaction="false"))

    assert lint_paths([root], load_config(root)).findings == []
    assert lint_paths([root], load_config(root), use_cache=False).findings == []
