"""``opsgen init`` writes its example spec only into a specs folder without specs.

A second run after the example was deleted must not bring it back, because the next
``opsgen generate`` would make it a real operation with an implementation scaffold.
"""

from __future__ import annotations

from pathlib import Path

from cli_support import PLACE_ORDER_SPEC, run_opsgen

EXAMPLE = Path("specs") / "accounts" / "rename_user.yaml"


def test_init_again_keeps_deleted_example_away(tmp_path: Path) -> None:
    first = run_opsgen(tmp_path, "init")
    assert first.returncode == 0, first.stderr
    (tmp_path / EXAMPLE).unlink()
    (tmp_path / "specs" / "orders").mkdir()
    (tmp_path / "specs" / "orders" / "place_order.yaml").write_text(PLACE_ORDER_SPEC)

    again = run_opsgen(tmp_path, "init")

    assert again.returncode == 0, again.stderr
    assert not (tmp_path / EXAMPLE).exists()
    assert "created specs/accounts/rename_user.yaml" not in again.stdout
    assert (
        "skipped the example spec specs/accounts/rename_user.yaml, because specs/ already contains 1 spec file"
        in again.stdout
    )

    generated = run_opsgen(tmp_path, "generate")
    assert generated.returncode == 0, generated.stderr
    assert (tmp_path / "operations" / "orders" / "place_order.py").exists()
    assert not (tmp_path / "operations" / "accounts").exists()
    assert not (tmp_path / "generated" / "accounts").exists()


def test_init_counts_yml_specs_in_subfolders(tmp_path: Path) -> None:
    nested = tmp_path / "specs" / "shop" / "orders"
    nested.mkdir(parents=True)
    (nested / "place_order.yml").write_text(PLACE_ORDER_SPEC)
    (nested / "cancel_order.yaml").write_text(PLACE_ORDER_SPEC.replace("place_order", "cancel_order"))

    process = run_opsgen(tmp_path, "init")

    assert process.returncode == 0, process.stderr
    assert not (tmp_path / EXAMPLE).exists()
    assert "because specs/ already contains 2 spec files" in process.stdout


def test_init_with_specs_still_creates_schema_copy(tmp_path: Path) -> None:
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "place_order.yaml").write_text(PLACE_ORDER_SPEC)

    process = run_opsgen(tmp_path, "init")

    assert process.returncode == 0, process.stderr
    assert (tmp_path / "specs" / "spec.schema.json").is_file()
    assert "created specs/spec.schema.json" in process.stdout
    assert "added specs, package, implementations to [tool.opsgen]" in process.stdout


def test_init_writes_example_into_folder_without_specs(tmp_path: Path) -> None:
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "README.md").write_text("Specs of the shop.\n")

    process = run_opsgen(tmp_path, "init")

    assert process.returncode == 0, process.stderr
    assert (tmp_path / EXAMPLE).is_file()
    assert "created specs/accounts/rename_user.yaml" in process.stdout


def test_init_again_keeps_example_unchanged(tmp_path: Path) -> None:
    assert run_opsgen(tmp_path, "init").returncode == 0
    (tmp_path / EXAMPLE).write_text("name: accounts.rename_user\n")

    again = run_opsgen(tmp_path, "init")

    assert again.returncode == 0, again.stderr
    assert (tmp_path / EXAMPLE).read_text() == "name: accounts.rename_user\n"
    assert "kept the existing specs/accounts/rename_user.yaml" in again.stdout
