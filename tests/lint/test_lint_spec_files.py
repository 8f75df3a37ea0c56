"""The linter reads spec files by the spec loader's rules: no link out of the specs folder, no FIFO."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from opsgen.lint.config import load_config
from opsgen.lint.engine import lint_paths
from opsgen.lint.operations import load_operations

from tests_lint_support import SHIP_ORDER, write_project  # type: ignore[import-not-found]

OPSGEN = str(Path(sys.executable).with_name("opsgen"))

SPEC = "name: shop.ship_order\ntransaction: true\ninput:\n  order_id: int\n"


def project(folder: Path) -> Path:
    files = {
        "app/__init__.py": "",
        "app/generated.py": "class ShipOrderBase:\n    pass\n",
        "app/ship.py": SHIP_ORDER,
        "specs/.keep": "",
    }
    return write_project(folder, files, '[tool.opsgen]\nspecs = "specs"\n')


def test_regular_spec_is_read(tmp_path: Path) -> None:
    root = project(tmp_path / "project")
    (root / "specs" / "ship_order.yaml").write_text(SPEC)

    assert [f.code for f in lint_paths([root], load_config(root), use_cache=False).findings] == ["OPS101"]


def test_symlink_out_of_specs_skipped(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    root = project(tmp_path / "project")
    outside = root / "elsewhere.yaml"
    outside.write_text(SPEC)
    link = root / "specs" / "ship_order.yaml"
    link.symlink_to(outside)

    with caplog.at_level(logging.WARNING, logger="opsgen.lint.operations"):
        operations = load_operations(root / "specs")

    assert operations == {}
    assert f"skipping spec {link}: the spec file is a symlink to {outside}, outside the specs folder" in caplog.text
    assert lint_paths([root], load_config(root), use_cache=False).findings == []


def test_symlink_to_other_spec_skipped(tmp_path: Path) -> None:
    root = project(tmp_path / "project")
    (root / "specs" / "ship_order.yaml").write_text(SPEC)
    (root / "specs" / "ship_order_copy.yaml").symlink_to("ship_order.yaml")

    operations = load_operations(root / "specs")

    assert [info.path for info in operations.values()] == [str(root / "specs" / "ship_order.yaml")]


def test_invalid_utf8_spec_skipped(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    root = project(tmp_path / "project")
    (root / "specs" / "ship_order.yaml").write_bytes(SPEC.encode() + b"# \xff\n")

    with caplog.at_level(logging.WARNING, logger="opsgen.lint.operations"):
        operations = load_operations(root / "specs")

    assert operations == {}
    assert "skipping spec" in caplog.text


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes need os.mkfifo")
def test_fifo_spec_does_not_block_lint(tmp_path: Path) -> None:
    root = project(tmp_path / "project")
    fifo = root / "specs" / "ship_order.yaml"
    os.mkfifo(fifo)

    # Opening a FIFO for reading blocks until a writer appears, so a hang shows as a timeout.
    completed = subprocess.run([OPSGEN, "lint"], cwd=root, capture_output=True, text=True, timeout=60)

    assert f"skipping spec {fifo}: the spec file is a FIFO (named pipe), not a regular file" in completed.stderr
    assert "OPS101" not in completed.stdout
