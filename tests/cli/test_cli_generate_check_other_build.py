"""``opsgen generate --check`` names the opsgen that wrote a stale package when it is not the one checking.

The pre-commit hook of the opsgen repository installs the opsgen of its ``rev``. When that
differs from the project's opsgen, the check keeps finding differences that
``opsgen generate`` with the project's opsgen does not remove, so the message has to say so.
"""

from __future__ import annotations

import importlib.metadata
import json
from pathlib import Path
from typing import Any

import pytest
from cli_support import run_opsgen

MANIFEST = "generated/_opsgen_manifest.json"


def generated_project(folder: Path) -> None:
    assert run_opsgen(folder, "init").returncode == 0
    assert run_opsgen(folder, "generate").returncode == 0


def rewrite_manifest(folder: Path, **changes: Any) -> None:
    """Set (or, with ``None``, delete) keys of the manifest, and make one generated file differ."""
    path = folder / MANIFEST
    manifest = json.loads(path.read_text())
    for key, value in changes.items():
        if value is None:
            manifest.pop(key, None)
        else:
            manifest[key] = value
    manifest["inputs"] = "0" * 64
    path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    registry = folder / "generated" / "registry.py"
    registry.write_text(registry.read_text() + "# written by another opsgen\n")


def test_check_names_both_versions_when_they_differ(tmp_path: Path) -> None:
    generated_project(tmp_path)
    rewrite_manifest(tmp_path, version="0.0.9")

    check = run_opsgen(tmp_path, "generate", "--check")

    running = importlib.metadata.version("opsgen")
    assert check.returncode == 1, check.stderr
    assert "the generated package generated is stale" in check.stderr
    assert f"written by opsgen 0.0.9, but this check runs opsgen {running}" in check.stderr
    assert "pin the hook's rev (or its additional_dependencies)" in check.stderr
    assert "`language: system`" in check.stderr


@pytest.mark.parametrize(
    ("key", "label"), [("templates", "templates"), ("generator_code", "generator code")]
)
def test_check_names_digest_when_only_it_differs(tmp_path: Path, key: str, label: str) -> None:
    generated_project(tmp_path)
    rewrite_manifest(tmp_path, **{key: "ab" * 32})

    check = run_opsgen(tmp_path, "generate", "--check")

    running = importlib.metadata.version("opsgen")
    assert check.returncode == 1, check.stderr
    assert f"written by opsgen {running} ({label} abababababab), but this check runs opsgen {running} ({label} " in (
        check.stderr
    )


def test_check_same_build_no_advice(tmp_path: Path) -> None:
    generated_project(tmp_path)
    registry = tmp_path / "generated" / "registry.py"
    registry.write_text(registry.read_text() + "# edited by hand\n")

    check = run_opsgen(tmp_path, "generate", "--check")

    assert check.returncode == 1, check.stderr
    assert "the generated package generated is stale" in check.stderr
    assert "written by" not in check.stderr


def test_check_reads_old_manifest(tmp_path: Path) -> None:
    generated_project(tmp_path)
    rewrite_manifest(tmp_path, version=None, templates=None)

    check = run_opsgen(tmp_path, "generate", "--check")

    assert check.returncode == 1, check.stderr
    assert "Traceback" not in check.stderr
    assert "the generated package generated is stale" in check.stderr
    assert "written by" not in check.stderr


def test_generate_records_templates_digest(tmp_path: Path) -> None:
    generated_project(tmp_path)

    manifest = json.loads((tmp_path / MANIFEST).read_text())

    assert manifest["version"] == importlib.metadata.version("opsgen")
    assert len(manifest["templates"]) == 64
