"""``opsgen ops list --operation`` suggests the operations of the project's generated package."""

from __future__ import annotations

from pathlib import Path

from cli_support import PLACE_ORDER_SPEC, run_opsgen

from opsgen.runtime.config import Settings
from opsgen.runtime.runtime import Runtime

SHOP_SETTINGS = """\
[tool.opsgen]
specs = "specs"
package = "shop/generated"
implementations = "shop/operations"
database-url = "sqlite:///shop.db"
"""


def make_shop(folder: Path) -> Path:
    (folder / "specs").mkdir(parents=True)
    (folder / "specs" / "place_order.yaml").write_text(PLACE_ORDER_SPEC)
    (folder / "shop").mkdir()
    (folder / "shop" / "__init__.py").write_text("")
    (folder / "pyproject.toml").write_text(SHOP_SETTINGS)
    generated = run_opsgen(folder, "generate")
    assert generated.returncode == 0, generated.stderr
    runtime = Runtime(Settings(root=folder, database_url=f"sqlite:///{folder}/shop.db"))
    runtime.ensure_schema()
    runtime.dispose()
    return folder


def test_misspelt_operation_suggests_registry_name(tmp_path: Path) -> None:
    shop = make_shop(tmp_path / "shop")

    listed = run_opsgen(shop, "ops", "list", "--operation", "orders.place_ordr")

    assert listed.returncode == 1
    assert listed.stderr == (
        "error: the execution log has no execution of operation 'orders.place_ordr'; "
        "did you mean 'orders.place_order'?\n"
    )


def test_unreadable_manifest_gives_no_registry_names(tmp_path: Path) -> None:
    shop = make_shop(tmp_path / "shop")
    (shop / "shop" / "generated" / "_opsgen_manifest.json").write_text("{not json")

    listed = run_opsgen(shop, "ops", "list", "--operation", "orders.place_ordr")

    assert listed.returncode == 1
    assert listed.stderr == (
        "error: the execution log has no execution of operation 'orders.place_ordr', and no execution of any "
        "operation\n"
    )
