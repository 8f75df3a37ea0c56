"""Counts in command output take the singular for one: ``1 file``, ``1 implementation``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

OPSGEN = str(Path(sys.executable).with_name("opsgen"))

PYPROJECT = """\
[tool.opsgen]
specs = "specs"
package = "generated"
implementations = "operations"
"""

SPEC = """\
name: orders.place_order
input:
  quantity: int
output:
  total: int
"""


def run_opsgen(folder: Path, *args: str, **environment: str) -> subprocess.CompletedProcess[str]:
    clean = {key: value for key, value in os.environ.items() if not key.startswith("OPSGEN_")}
    clean.update(environment)
    return subprocess.run([OPSGEN, *args], cwd=folder, env=clean, capture_output=True, text=True, timeout=120)


def test_counted_noun_forms() -> None:
    from opsgen.cli.display import counted

    assert counted(0, "file") == "0 files"
    assert counted(1, "file") == "1 file"
    assert counted(2, "file") == "2 files"
    assert counted(1, "entity", "entities") == "1 entity"
    assert counted(3, "entity", "entities") == "3 entities"


def test_generate_summary_singular(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "place_order.yaml").write_text(SPEC)

    first = run_opsgen(tmp_path, "generate")
    (tmp_path / "specs" / "place_order.yaml").write_text(SPEC.replace("  quantity: int\n", "  quantity: int\n  note: str\n"))
    second = run_opsgen(tmp_path, "generate")

    assert first.returncode == 0, first.stderr
    assert "generated files created in generated, 1 implementation created, 0 signatures updated" in first.stdout
    assert second.returncode == 0, second.stderr
    assert ", 0 implementations created, 1 signature updated" in second.stdout


def test_lint_file_counts_singular(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = \"shop\"\n")
    (tmp_path / "clean.py").write_text("def total(prices: list[int]) -> int:\n    return sum(prices)\n")

    linted = run_opsgen(tmp_path, "lint", "--file-counts", "--no-cache", "clean.py")

    assert linted.returncode == 0, linted.stderr
    assert "opsgen lint: 1 file checked, 1 parsed, 0 findings" in linted.stderr
