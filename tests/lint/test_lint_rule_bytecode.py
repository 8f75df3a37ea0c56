"""The compiled rule files are kept in the user's cache folder, never beside the rules."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from opsgen._resources import data_dir

LOAD = "from opsgen.lint.loader import load_rules; print(len(load_rules()))"


def load_in_subprocess(cache: Path) -> str:
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    environment["XDG_CACHE_HOME"] = str(cache)
    run = subprocess.run([sys.executable, "-c", LOAD], env=environment, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    return run.stdout


def test_rules_compiled_into_cache_folder(tmp_path: Path) -> None:
    rules = data_dir("lint_rules")
    beside = rules / "__pycache__"
    had_pycache = beside.exists()

    load_in_subprocess(tmp_path)

    compiled = sorted(tmp_path.joinpath("opsgen", "bytecode").rglob("ops*.pyc"))
    assert len(compiled) == len(list(rules.glob("ops*.py")))
    assert beside.exists() == had_pycache


def test_second_load_reuses_compiled_rules(tmp_path: Path) -> None:
    first = load_in_subprocess(tmp_path)
    stamps = {path: path.stat().st_mtime_ns for path in tmp_path.rglob("*.pyc")}

    second = load_in_subprocess(tmp_path)

    assert first == second
    assert stamps
    assert {path: path.stat().st_mtime_ns for path in tmp_path.rglob("*.pyc")} == stamps
