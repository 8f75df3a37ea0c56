"""``opsgen outbox`` commands reject a database that does not exist, as ``opsgen ops list`` does."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from cli_support import files_below, run_opsgen

COMMANDS = [
    ["outbox", "list"],
    ["outbox", "retry", "--failed"],
    ["outbox", "retry", "0123abcd"],
    ["outbox", "drain"],
    ["outbox", "dispatch", "--poll", "1"],
    ["ops", "list"],
]


def missing_file_error(database: Path) -> str:
    return (
        f"error: no execution log at 'sqlite:///{database}': the SQLite file {database} does not exist; "
        "run an operation first or pass --database-url\n"
    )


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_missing_database_rejected_uncreated(tmp_path: Path, command: list[str]) -> None:
    # A dispatcher that starts runs until stopped, so the timeout fails the test instead.
    completed = run_opsgen(tmp_path, *command, timeout=30)

    assert completed.returncode == 1
    assert completed.stderr == missing_file_error(tmp_path / "opsgen.db")
    assert completed.stdout == ""
    assert files_below(tmp_path) == set()


@pytest.mark.parametrize("command", COMMANDS[:4], ids=" ".join)
def test_database_without_tables_rejected(tmp_path: Path, command: list[str]) -> None:
    database = tmp_path / "shop.db"
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY)")
    connection.close()

    completed = run_opsgen(tmp_path, *command, OPSGEN_DATABASE_URL=f"sqlite:///{database}")

    assert completed.returncode == 1
    assert completed.stderr == (
        f"error: no execution log at 'sqlite:///{database}': the opsgen tables are missing; "
        "run an operation first or call Runtime.ensure_schema()\n"
    )
    with sqlite3.connect(database) as connection:
        tables = [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    connection.close()
    assert tables == ["orders"]


def test_app_database_missing_rejected(tmp_path: Path) -> None:
    database = tmp_path / "data" / "shop.db"
    (tmp_path / "data").mkdir()
    (tmp_path / "missing_log_app.py").write_text(
        "from opsgen.runtime.runtime import Runtime\n\n"
        f"runtime = Runtime(database_url={f'sqlite:///{database}'!r})\n"
    )
    before = files_below(tmp_path)

    completed = run_opsgen(tmp_path, "outbox", "drain", "--app", "missing_log_app:runtime")

    assert completed.returncode == 1
    assert completed.stderr == missing_file_error(database)
    created = {path for path in files_below(tmp_path) - before if not path.startswith("__pycache__")}
    assert created == set()
