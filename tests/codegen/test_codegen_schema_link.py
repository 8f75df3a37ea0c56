"""A ``spec.schema.json`` that is a symbolic link stays one when opsgen refreshes the schema.

Inside the project the refresh writes through the link, to its target. A link out of the
project is kept as it is, with a message.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from codegen_helpers import run_opsgen
from opsgen.spec.schema import render_schema


def stale_schema(path: Path) -> str:
    """Write a copy of the schema that an older opsgen could have written; return its text."""
    stale = json.loads(render_schema())
    stale["title"] = "an older opsgen"
    text = json.dumps(stale)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return text


def project_with_schema_link(root: Path, target: Path) -> Path:
    """Initialise a project in ``root`` whose schema copy links to a stale ``target``; return the link."""
    root.mkdir()
    assert run_opsgen(root, "init").returncode == 0
    link = root / "specs" / "spec.schema.json"
    link.unlink()
    link.symlink_to(target)
    return link


def test_generate_writes_through_link_inside_project(tmp_path: Path) -> None:
    root = tmp_path / "project"
    target = root / "schemas" / "spec.schema.json"
    link = project_with_schema_link(root, Path("..") / "schemas" / "spec.schema.json")
    stale_schema(target)

    generated = run_opsgen(root, "generate")

    assert generated.returncode == 0, generated.stderr
    assert "refreshed specs/spec.schema.json" in generated.stdout
    assert link.is_symlink()
    assert target.read_text() == render_schema()


@pytest.mark.parametrize("command", ["generate", "init"])
def test_link_out_of_project_kept(tmp_path: Path, command: str) -> None:
    target = tmp_path / "shared" / "spec.schema.json"
    stale = stale_schema(target)
    link = project_with_schema_link(tmp_path / "project", target)

    process = run_opsgen(tmp_path / "project", command)

    assert process.returncode == 0, process.stderr
    assert link.is_symlink()
    assert target.read_text() == stale
    assert f"opsgen {command}: kept specs/spec.schema.json, a symbolic link to {target}, outside the project" in (
        process.stderr
    )
    assert f"`opsgen schema --output {target}`" in process.stderr


def test_current_link_out_of_project_is_silent(tmp_path: Path) -> None:
    target = tmp_path / "shared" / "spec.schema.json"
    target.parent.mkdir()
    target.write_text(render_schema())
    link = project_with_schema_link(tmp_path / "project", target)

    generated = run_opsgen(tmp_path / "project", "generate")

    assert generated.returncode == 0, generated.stderr
    assert link.is_symlink()
    assert "spec.schema.json" not in generated.stderr
