"""docs/rules/ must match what scripts/gen_rule_docs.py generates from lint_rules/."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_rule_docs_are_current() -> None:
    completed = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_rule_docs.py"), "--check"], capture_output=True, text=True, cwd=ROOT
    )
    assert completed.returncode == 0, completed.stderr


def test_rule_page_sections(tmp_path: Path) -> None:
    completed = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_rule_docs.py"), "--output", str(tmp_path)], capture_output=True, text=True, cwd=ROOT
    )
    assert completed.returncode == 0, completed.stderr
    page = (tmp_path / "ops201.md").read_text()
    for heading in ("## What it does", "## Why is this bad", "## Example", "## Use instead", "## Flagged", "## Not flagged"):
        assert heading in page
    assert "select_for_update" in page
    index = (tmp_path / "README.md").read_text()
    assert "[OPS101](ops101.md)" in index
    assert "[OPS307](ops307.md)" in index
