"""A generated package warns once, when it is imported, that specs changed after it was generated."""

from __future__ import annotations

import hashlib
import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest
from codegen_helpers import PLACE_ORDER_SPEC, make_project

from opsgen.codegen.config import load_config
from opsgen.codegen.generator import generate
from opsgen.runtime.stale_specs import SpecChanges, find_spec_changes, stale_message, warn_if_specs_changed

CANCEL_ORDER_SPEC = """\
name: shop.cancel_order
input:
  order_id: uuid
output:
  cancelled: bool
"""

#: Imports the registry with Python's default logging, as an application that configures none.
IMPORT_REGISTRY = """
import sys
import app.generated.registry
heavy = sorted(
    name for name in sys.modules
    if name.split(".")[0] in ("jinja2", "libcst", "yaml")
    or name.startswith(("opsgen.spec", "opsgen.codegen", "opsgen.lint", "opsgen.cli"))
)
print(",".join(heavy))
"""


def generated_project(root: Path) -> Path:
    """Create a project with one spec under ``root``, generate it, and return ``root``."""
    make_project(root, specs=None)
    (root / "specs" / "shop").mkdir()
    (root / "specs" / "shop" / "place_order.yaml").write_text(PLACE_ORDER_SPEC, encoding="utf-8")
    generate(load_config(root))
    return root


def import_registry(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", IMPORT_REGISTRY], cwd=root, capture_output=True, text=True, timeout=120, check=True
    )


def test_manifest_records_spec_digests(tmp_path: Path) -> None:
    root = generated_project(tmp_path / "project")

    manifest = json.loads((root / "app" / "generated" / "_opsgen_manifest.json").read_text(encoding="utf-8"))

    spec_bytes = (root / "specs" / "shop" / "place_order.yaml").read_bytes()
    assert manifest["specs"]["folder"] == "../../specs"
    assert manifest["specs"]["files"] == {"shop/place_order.yaml": hashlib.sha256(spec_bytes).hexdigest()}


def test_current_specs_import_silently(tmp_path: Path) -> None:
    root = generated_project(tmp_path / "project")

    imported = import_registry(root)

    assert imported.stderr == ""


def test_changed_spec_warns_on_import(tmp_path: Path) -> None:
    root = generated_project(tmp_path / "project")
    spec = root / "specs" / "shop" / "place_order.yaml"
    spec.write_text(PLACE_ORDER_SPEC + "  discount: decimal\n", encoding="utf-8")

    imported = import_registry(root)

    lines = imported.stderr.splitlines()
    assert len(lines) == 1, imported.stderr
    assert lines[0].startswith("generated package app/generated is out of date with its specs ")
    assert "(changed: specs/shop/place_order.yaml)" in lines[0]
    assert "run `opsgen generate specs` to update it" in lines[0]


def test_regenerated_package_imports_silently(tmp_path: Path) -> None:
    root = generated_project(tmp_path / "project")
    spec = root / "specs" / "shop" / "place_order.yaml"
    spec.write_text(PLACE_ORDER_SPEC + "  discount: decimal\n", encoding="utf-8")

    generate(load_config(root))
    imported = import_registry(root)

    assert imported.stderr == ""


def test_deployed_package_without_specs_silent(tmp_path: Path) -> None:
    root = generated_project(tmp_path / "project")
    (root / "specs" / "shop" / "place_order.yaml").unlink()
    (root / "specs" / "shop").rmdir()
    (root / "specs").rmdir()

    imported = import_registry(root)

    assert imported.stderr == ""
    assert find_spec_changes(root / "app" / "generated") is None


def test_generated_registry_imports_stay_light(tmp_path: Path) -> None:
    root = generated_project(tmp_path / "project")
    (root / "specs" / "shop" / "place_order.yaml").write_text(PLACE_ORDER_SPEC + "# edited\n", encoding="utf-8")

    imported = import_registry(root)

    assert "out of date" in imported.stderr
    assert imported.stdout.strip() == ""


def test_added_and_removed_specs_named(tmp_path: Path) -> None:
    root = generated_project(tmp_path / "project")
    (root / "specs" / "shop" / "cancel_order.yaml").write_text(CANCEL_ORDER_SPEC, encoding="utf-8")
    (root / "specs" / "shop" / "place_order.yaml").unlink()

    changes = find_spec_changes(root / "app" / "generated")

    assert changes is not None
    assert changes.changed == ()
    assert changes.added == ("shop/cancel_order.yaml",)
    assert changes.removed == ("shop/place_order.yaml",)
    assert changes.specs_folder == root / "specs"


def test_warning_logged_once_per_package(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = generated_project(tmp_path / "project")
    (root / "specs" / "shop" / "place_order.yaml").write_text(PLACE_ORDER_SPEC + "# edited\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    caplog.set_level(logging.WARNING, logger="opsgen.runtime.stale_specs")
    registry = str(root / "app" / "generated" / "registry.py")

    warn_if_specs_changed(registry)
    warn_if_specs_changed(registry)

    assert len(caplog.records) == 1
    message = caplog.records[0].getMessage()
    assert "generated package project/app/generated " in message
    assert "(changed: project/specs/shop/place_order.yaml)" in message
    assert "run `opsgen generate project/specs` to update it" in message


def test_long_lists_of_specs_cut(tmp_path: Path) -> None:
    changes = SpecChanges(
        package=tmp_path / "app" / "generated",
        specs_folder=tmp_path / "my specs",
        changed=tuple(f"shop/op{number}.yaml" for number in range(7)),
        added=("shop/new.yaml",),
        removed=(),
    )

    message = stale_message(changes)

    assert f"changed: {tmp_path}/my specs/shop/op0.yaml, " in message
    assert f"{tmp_path}/my specs/shop/op4.yaml and 2 more files; added: {tmp_path}/my specs/shop/new.yaml)" in message
    assert "op5.yaml" not in message
    assert "removed" not in message
    assert f"run `opsgen generate '{tmp_path}/my specs'` to update it" in message
