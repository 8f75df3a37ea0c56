"""Read-only ``opsgen ops`` commands must not create a SQLite file that does not exist."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def _opsgen(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("OPSGEN_")}
    return subprocess.run(
        [sys.executable, "-m", "opsgen.cli.main", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )


def test_ops_list_without_database_creates_no_file(tmp_path: Path) -> None:
    result = _opsgen(tmp_path, "ops", "list")

    assert result.returncode == 1
    assert "does not exist" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_ops_list_with_missing_sqlite_url(tmp_path: Path) -> None:
    database = tmp_path / "elsewhere" / "log.db"
    (tmp_path / "elsewhere").mkdir()

    result = _opsgen(tmp_path, "ops", "list", "--database-url", f"sqlite:///{database}")

    assert result.returncode == 1
    assert str(database) in result.stderr
    assert not database.exists()
