"""``opsgen generate SPECS_DIR`` takes its settings from the project that contains the specs."""

from __future__ import annotations

from pathlib import Path

from cli_support import PLACE_ORDER_SPEC, files_below, run_opsgen

SHOP_SETTINGS = """\
[project]
name = "shop"

[tool.opsgen]
specs = "specs"
package = "shop/generated"
implementations = "shop/operations"
"""


def make_shop(parent: Path, pyproject: str | None = SHOP_SETTINGS) -> Path:
    """Create ``parent/shop`` with one spec and, unless ``pyproject`` is None, that pyproject.toml."""
    shop = parent / "shop"
    (shop / "specs").mkdir(parents=True)
    (shop / "specs" / "place_order.yaml").write_text(PLACE_ORDER_SPEC)
    (shop / "shop").mkdir()
    (shop / "shop" / "__init__.py").write_text("")
    if pyproject is not None:
        (shop / "pyproject.toml").write_text(pyproject)
    return shop


def without_caches(paths: set[str]) -> set[str]:
    return {path for path in paths if "__pycache__" not in path}


def test_specs_project_settings_used_from_parent(tmp_path: Path) -> None:
    shop = make_shop(tmp_path)

    generated = run_opsgen(tmp_path, "generate", "shop/specs")

    assert generated.returncode == 0, generated.stderr
    assert "shop/specs is in the project of shop/pyproject.toml, so its settings apply" in generated.stderr
    assert (shop / "shop" / "generated" / "orders" / "place_order.py").is_file()
    assert (shop / "shop" / "operations" / "orders" / "place_order.py").is_file()
    assert '"shop.operations.orders.place_order:PlaceOrder"' in (shop / "shop" / "generated" / "registry.py").read_text()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["shop"]


def test_specs_project_wins_over_plain_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "workspace"\n')
    shop = make_shop(tmp_path)

    generated = run_opsgen(tmp_path, "generate", "shop/specs")

    assert generated.returncode == 0, generated.stderr
    assert (shop / "shop" / "generated" / "registry.py").is_file()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["pyproject.toml", "shop"]


def test_two_configured_projects_rejected(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.opsgen]\npackage = "workspace/generated"\n')
    make_shop(tmp_path)
    before = files_below(tmp_path)

    generated = run_opsgen(tmp_path, "generate", "shop/specs")

    assert generated.returncode == 2
    assert generated.stderr == (
        f"opsgen generate: the specs folder {tmp_path / 'shop' / 'specs'} belongs to the project of "
        f"{tmp_path / 'shop' / 'pyproject.toml'}, but the current folder's settings are in "
        f"{tmp_path / 'pyproject.toml'}, and both have [tool.opsgen]; run the command in {tmp_path / 'shop'} "
        f"to generate into that project, or set specs in [tool.opsgen] of {tmp_path / 'pyproject.toml'} "
        "to that folder to generate into this one\n"
    )
    assert without_caches(files_below(tmp_path)) == before


def test_current_settings_naming_specs_used(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.opsgen]\nspecs = "shop/specs"\npackage = "workspace/generated"\nimplementations = "workspace/operations"\n'
    )
    shop = make_shop(tmp_path)

    generated = run_opsgen(tmp_path, "generate", "shop/specs")

    assert generated.returncode == 0, generated.stderr
    assert (tmp_path / "workspace" / "generated" / "registry.py").is_file()
    assert not (shop / "shop" / "generated").exists()


def test_no_project_anywhere_rejected(tmp_path: Path) -> None:
    make_shop(tmp_path, pyproject=None)
    before = files_below(tmp_path)

    generated = run_opsgen(tmp_path, "generate", "shop/specs")

    assert generated.returncode == 2
    assert generated.stderr.startswith(
        f"opsgen generate: neither {tmp_path} nor {tmp_path / 'shop' / 'specs'} is in a project with a pyproject.toml"
    )
    assert "pass --package and --implementations" in generated.stderr
    assert without_caches(files_below(tmp_path)) == before


def test_no_project_explicit_folders_accepted(tmp_path: Path) -> None:
    make_shop(tmp_path, pyproject=None)

    generated = run_opsgen(
        tmp_path, "generate", "shop/specs", "--package", "shop/shop/generated", "--implementations", "shop/shop/operations"
    )

    assert generated.returncode == 0, generated.stderr
    assert (tmp_path / "shop" / "shop" / "generated" / "registry.py").is_file()
    assert not (tmp_path / "generated").exists()


def test_no_project_specs_in_current_folder(tmp_path: Path) -> None:
    shop = make_shop(tmp_path, pyproject=None)

    generated = run_opsgen(shop, "generate", "specs")

    assert generated.returncode == 0, generated.stderr
    assert (shop / "generated" / "registry.py").is_file()
    assert (shop / "operations" / "orders" / "place_order.py").is_file()


def test_specs_project_keys_checked(tmp_path: Path) -> None:
    make_shop(tmp_path, pyproject=SHOP_SETTINGS + 'packge-module = "shop.generated"\n')
    before = files_below(tmp_path)

    generated = run_opsgen(tmp_path, "generate", "shop/specs")

    assert generated.returncode == 2
    assert (
        f"{tmp_path / 'shop' / 'pyproject.toml'}:8: unknown key 'packge-module' in [tool.opsgen]; "
        "did you mean 'package-module'?"
    ) in generated.stderr
    assert without_caches(files_below(tmp_path)) == before
