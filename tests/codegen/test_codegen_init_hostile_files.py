"""``opsgen init`` where ``pyproject.toml`` or the specs folder is not what it expects."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from codegen_helpers import run_opsgen
from opsgen.codegen.config import parse_toml


def assert_rejected(folder: Path, message: str) -> None:
    """Run ``opsgen init`` in ``folder`` and check it stops with ``message`` and writes nothing."""
    before = sorted(path.name for path in folder.iterdir())

    process = run_opsgen(folder, "init")

    assert process.returncode == 2, process.stderr
    assert process.stderr == f"opsgen init: {message}\n"
    assert sorted(path.name for path in folder.iterdir()) == before


def test_linked_pyproject_edited_through_link(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    target = tmp_path / "shared" / "pyproject.toml"
    target.parent.mkdir()
    target.write_text('[project]\nname = "shop"\n')
    link = project / "pyproject.toml"
    link.symlink_to(target)

    process = run_opsgen(project, "init")

    assert process.returncode == 0, process.stderr
    assert link.is_symlink()
    assert os.readlink(link) == str(target)
    table = parse_toml(target.read_text(), "pyproject.toml")["tool"]["opsgen"]
    assert table == {"specs": "specs", "package": "generated", "implementations": "operations"}


def test_broken_pyproject_link_rejected(tmp_path: Path) -> None:
    link = tmp_path / "pyproject.toml"
    link.symlink_to("missing.toml")

    assert_rejected(
        tmp_path, f"{link} is a symbolic link to missing.toml, which does not exist or loops; fix the link or remove it"
    )
    assert not (tmp_path / "missing.toml").exists()


def test_pyproject_folder_rejected(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").mkdir()

    assert_rejected(tmp_path, f"{tmp_path / 'pyproject.toml'} is a folder, where opsgen expects a regular file; move it away")


def test_specs_file_rejected(tmp_path: Path) -> None:
    (tmp_path / "specs").write_text("notes\n")

    assert_rejected(tmp_path, f"specs path {tmp_path / 'specs'} is a file, not a folder; move it or set specs in [tool.opsgen]")
    assert (tmp_path / "specs").read_text() == "notes\n"


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b'[project]\nname = "sh\xffop"\n', "2:11: invalid UTF-8 (byte 0xff); TOML files must be UTF-8"),
        (
            b"\xef\xbb\xbf[project]\n",
            "1:1: the file starts with a UTF-8 byte order mark (BOM), which Python's TOML parser (tomllib) rejects; "
            "save it as UTF-8 without BOM",
        ),
    ],
    ids=["not-utf8", "bom"],
)
def test_undecodable_pyproject_rejected(tmp_path: Path, data: bytes, problem: str) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_bytes(data)

    assert_rejected(tmp_path, f"{pyproject}:{problem}")
    assert pyproject.read_bytes() == data


def test_pyproject_bom_named_by_generate(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_bytes(b'\xef\xbb\xbf[tool.opsgen]\nspecs = "specs"\n')
    (tmp_path / "specs").mkdir()

    process = run_opsgen(tmp_path, "generate")

    assert process.returncode == 2, process.stderr
    assert f"{pyproject}:1:1: the file starts with a UTF-8 byte order mark (BOM)" in process.stderr
    assert "Traceback" not in process.stderr
