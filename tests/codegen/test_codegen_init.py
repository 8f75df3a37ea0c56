"""``opsgen init`` creates a specs folder and settings, and never overwrites what exists."""

from __future__ import annotations

from pathlib import Path

from codegen_helpers import run_opsgen
from opsgen.cli.init import add_settings
from opsgen.codegen.config import parse_toml
from opsgen.spec.schema import render_schema


def test_init_creates_spec_and_settings(tmp_path: Path) -> None:
    process = run_opsgen(tmp_path, "init")

    assert process.returncode == 0, process.stderr
    spec = tmp_path / "specs" / "accounts" / "rename_user.yaml"
    assert spec.read_text().startswith("# yaml-language-server: $schema=../spec.schema.json\n")
    assert (tmp_path / "specs" / "spec.schema.json").read_text() == render_schema()
    table = parse_toml((tmp_path / "pyproject.toml").read_text(), "pyproject.toml")["tool"]["opsgen"]
    assert table == {"specs": "specs", "package": "generated", "implementations": "operations"}

    generated = run_opsgen(tmp_path, "generate")
    assert generated.returncode == 0, generated.stderr
    assert (tmp_path / "generated" / "accounts" / "rename_user.py").exists()
    assert (tmp_path / "operations" / "accounts" / "rename_user.py").exists()


def test_init_keeps_existing_spec_and_keys(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\nname = "shop"\n\n[tool.opsgen]\npackage = "src/shop/ops"  # keep\n\n[tool.black]\nline-length = 100\n')
    spec = tmp_path / "specs" / "accounts" / "rename_user.yaml"
    spec.parent.mkdir(parents=True)
    spec.write_text("name: accounts.rename_user\n")

    process = run_opsgen(tmp_path, "init")

    assert process.returncode == 0, process.stderr
    assert spec.read_text() == "name: accounts.rename_user\n"
    document = parse_toml(pyproject.read_text(), "pyproject.toml")
    assert document["tool"]["opsgen"] == {
        "package": "src/shop/ops",
        "specs": "specs",
        "implementations": "operations",
    }
    assert document["tool"]["black"] == {"line-length": 100}
    assert 'package = "src/shop/ops"  # keep\n' in pyproject.read_text()

    again = run_opsgen(tmp_path, "init")
    assert again.returncode == 0
    assert "already has every key" in again.stdout


def test_init_rejects_inline_table() -> None:
    text = '[tool]\nopsgen = { specs = "s" }\n'

    updated, added = add_settings(text, {"specs": "specs", "package": "generated"})

    assert updated is None
    assert added == []


def test_init_escapes_values() -> None:
    updated, added = add_settings("", {"specs": 'we"ird\\path'})

    assert updated is not None
    assert parse_toml(updated, "x")["tool"]["opsgen"]["specs"] == 'we"ird\\path'
    assert added == ["specs"]
