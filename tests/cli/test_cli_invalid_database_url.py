"""A database URL that SQLAlchemy cannot open is one line of error in every command that opens the log."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_support import run_opsgen

COMMANDS = [["ops", "list"], ["ops", "show", "0123abcd"], ["outbox", "list"], ["outbox", "drain"]]

URLS = {
    # A common spelling that SQLAlchemy 1.4 dropped.
    "postgres://app:secret@127.0.0.1/shop": "Can't load plugin: sqlalchemy.dialects:postgres",
    # A driver that the machine does not have.
    "postgresql+nosuchdriver://127.0.0.1/shop": "Can't load plugin: sqlalchemy.dialects:postgresql.nosuchdriver",
    "postgresql+psycopg://127.0.0.1:5432shop": "invalid literal for int() with base 10: '5432shop'",
    "shop": "Could not parse SQLAlchemy URL",
}


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
@pytest.mark.parametrize("url", list(URLS))
def test_invalid_url_is_one_error_line(tmp_path: Path, command: list[str], url: str) -> None:
    completed = run_opsgen(tmp_path, *command, OPSGEN_DATABASE_URL=url)

    assert completed.returncode in (1, 2)
    assert "Traceback" not in completed.stderr
    [line] = completed.stderr.splitlines()
    shown = url.replace(":secret@", ":***@")
    assert line.startswith(f"error: invalid database URL {shown!r} in the environment variable OPSGEN_DATABASE_URL: ")
    assert URLS[url] in line
    assert line.endswith("use a SQLAlchemy URL such as postgresql+psycopg://user@host/dbname or sqlite:///opsgen.db")
    assert "secret" not in completed.stderr


def test_missing_driver_is_named(tmp_path: Path) -> None:
    completed = run_opsgen(tmp_path, "ops", "list", "--database-url", "mysql+mysqldb://127.0.0.1/shop")

    assert completed.returncode == 2
    assert "No module named 'MySQLdb', the driver this URL names; install it or name an installed one" in completed.stderr
    assert "in the URL passed to opsgen (a --database-url option or the Settings of a Runtime)" in completed.stderr
