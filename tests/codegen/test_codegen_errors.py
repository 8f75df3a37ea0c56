"""Invalid specs stop generation with a message that names the file, and nothing is written."""

from __future__ import annotations

from pathlib import Path

from codegen_helpers import make_project, read_tree, run_opsgen


def project_with(tmp_path: Path, spec: str) -> Path:
    root = make_project(tmp_path / "project", specs=None)
    (root / "specs" / "shop").mkdir()
    (root / "specs" / "shop" / "broken.yaml").write_text(spec)
    return root


def test_invalid_spec_writes_nothing(tmp_path: Path) -> None:
    root = project_with(tmp_path, "name: shop.broken\ninput:\n  amount: money_typo\n")

    process = run_opsgen(root, "generate")

    assert process.returncode == 2
    assert "broken.yaml" in process.stderr
    assert "money_typo" in process.stderr
    assert not (root / "app" / "generated").exists()
    assert not (root / "app" / "operations").exists()


def test_reserved_field_name_is_rejected(tmp_path: Path) -> None:
    root = project_with(tmp_path, "name: shop.broken\ninput:\n  model_config: str\n")

    process = run_opsgen(root, "generate")

    assert process.returncode == 2
    assert "model_config" in process.stderr
    assert read_tree(root / "app") == {"__init__.py": b""}


def test_reserved_module_name_is_rejected(tmp_path: Path) -> None:
    root = project_with(tmp_path, "name: registry.lookup\n")

    process = run_opsgen(root, "generate")

    assert process.returncode == 2
    assert "registry" in process.stderr
    assert not (root / "app" / "generated").exists()


def test_missing_specs_folder_is_reported(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project", specs=None)
    (root / "specs").rmdir()

    process = run_opsgen(root, "generate")

    assert process.returncode == 2
    assert "specs folder" in process.stderr


def test_duplicate_name_path_relative_to_cwd(tmp_path: Path) -> None:
    root = project_with(tmp_path, "name: shop.place_order\n")
    (root / "specs" / "shop" / "copy.yaml").write_text("description: A copy.\nname: shop.place_order\n")

    process = run_opsgen(root, "generate")

    assert process.returncode == 2
    assert "specs/shop/copy.yaml:2:7: the operation 'shop.place_order' is already declared in specs/shop/broken.yaml:1:7" in process.stderr
    assert str(root) not in process.stderr
