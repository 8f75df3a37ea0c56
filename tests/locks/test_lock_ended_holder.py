"""SQLite locks: a contender on the same machine takes the key of a holder whose process has ended."""

from __future__ import annotations

import signal
import sqlite3
import time
from pathlib import Path

import pytest

from opsgen.runtime.declarations import SingletonDeclaration
from opsgen.runtime.locks import LockTimeout, open_lock_backend
from opsgen.runtime.locks.holders import holder_ended, process_identity
from opsgen.runtime.locks.sqlite import SCHEMA
from opsgen.runtime.singleton import claim_singleton
from lock_worker import start_holder

#: Far longer than the test, so only the ended-holder rule can free the key in time.
LEASE = 60.0

pytestmark = pytest.mark.skipif(process_identity() is None, reason="this system has no /proc to name processes by")




def lock_row(path: str, key: str) -> tuple[str, int, str | None]:
    with sqlite3.connect(path) as connection:
        row = connection.execute("SELECT owner, token, process FROM opsgen_locks WHERE key = ?", (key,)).fetchone()
    assert row is not None
    return str(row[0]), int(row[1]), row[2]


def test_killed_holder_frees_key(sqlite_url: str, unique_key: str) -> None:
    path = sqlite_url.removeprefix("sqlite:///")
    holder = start_holder(sqlite_url, unique_key, "dead-holder", lease=LEASE, seconds=120)
    backend = open_lock_backend(sqlite_url)
    try:
        _, dead_token, process = lock_row(path, unique_key)
        assert process == process_identity().rsplit(":", 1)[0] + f":{holder.pid}"
        with pytest.raises(LockTimeout) as alive:
            backend.try_acquire([unique_key], lease=5, owner="contender")
        assert alive.value.holder == "dead-holder"

        holder.send_signal(signal.SIGKILL)
        holder.wait(10)
        started = time.monotonic()
        with backend.try_acquire([unique_key], lease=5, owner="contender") as held:
            assert time.monotonic() - started < 1.0
            assert held.fencing_tokens[unique_key] > dead_token
            assert lock_row(path, unique_key)[0] == "contender"
    finally:
        holder.kill()
        holder.wait(10)
        backend.close()


def test_killed_singleton_holder_frees_claim(sqlite_url: str, unique_key: str) -> None:
    key = f"singleton:{unique_key}"
    holder = start_holder(sqlite_url, key, "dead-singleton", lease=LEASE, seconds=120)
    backend = open_lock_backend(sqlite_url)
    declaration = SingletonDeclaration(key, on_conflict="reject", lease=LEASE)
    try:
        assert claim_singleton(backend, declaration, key=key, owner="second").outcome == "rejected"
        holder.send_signal(signal.SIGKILL)
        holder.wait(10)
        claim = claim_singleton(backend, declaration, key=key, owner="third")
        assert claim.outcome == "claimed"
        assert claim.held is not None
        claim.held.release()
    finally:
        holder.kill()
        holder.wait(10)
        backend.close()


def test_foreign_holder_keeps_key(sqlite_url: str, unique_key: str) -> None:
    path = sqlite_url.removeprefix("sqlite:///")
    backend = open_lock_backend(sqlite_url)
    try:
        with backend.acquire_many([unique_key], timeout=1, lease=LEASE, owner="elsewhere"):
            pass
        # A row as a process of another boot, or of another pid namespace, would leave
        # it, with a process id that does not exist here.
        for foreign in ("other-boot:4026531836:999999", process_identity().rsplit(":", 2)[0] + ":1:999999"):
            with sqlite3.connect(path) as connection:
                connection.execute(
                    "INSERT OR REPLACE INTO opsgen_locks (key, owner, token, expires_at, process) VALUES (?, ?, ?, ?, ?)",
                    (unique_key, "elsewhere", 10_000, time.time() + LEASE, foreign),
                )
            assert not holder_ended(foreign)
            with pytest.raises(LockTimeout):
                backend.try_acquire([unique_key], lease=5, owner="contender")
    finally:
        backend.close()


def test_old_lock_file_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "old-locks.db"
    with sqlite3.connect(path) as connection:
        connection.execute(
            "CREATE TABLE opsgen_locks (key TEXT PRIMARY KEY, owner TEXT NOT NULL, "
            "token INTEGER NOT NULL, expires_at REAL NOT NULL)"
        )
        connection.execute("INSERT INTO opsgen_locks VALUES ('old:key', 'old-owner', 7, ?)", (time.time() + LEASE,))
    backend = open_lock_backend(f"sqlite:///{path}")
    try:
        with pytest.raises(LockTimeout):
            backend.try_acquire(["old:key"], lease=5, owner="contender")
        with backend.try_acquire(["new:key"], lease=5, owner="contender") as held:
            # Tokens keep growing past those the old file handed out.
            assert held.fencing_tokens["new:key"] > 7
        assert lock_row(str(path), "old:key")[2] is None
    finally:
        backend.close()
    with sqlite3.connect(path) as connection:
        (definition,) = connection.execute("SELECT sql FROM sqlite_master WHERE name = 'opsgen_locks'").fetchone()
        triggers = connection.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall()
    assert "WITHOUT ROWID" in definition
    assert len(triggers) == 2


def test_rowid_lock_file_rebuilt_with_held_lock(tmp_path: Path) -> None:
    # A lock file of the previous layout (a rowid table with the process column), with
    # a key held: the rebuild keeps the holder's row and token, and renewal still works.
    path = tmp_path / "rowid-locks.db"
    first = open_lock_backend(f"sqlite:///{path}")
    with sqlite3.connect(path) as connection:
        connection.execute("DROP TABLE opsgen_locks")
        connection.execute(
            "CREATE TABLE opsgen_locks (key TEXT PRIMARY KEY, owner TEXT NOT NULL, "
            "token INTEGER NOT NULL, expires_at REAL NOT NULL, process TEXT)"
        )
        for statement in SCHEMA:
            if "CREATE TRIGGER" in statement:
                connection.execute(statement)
    held = first.try_acquire(["kept:key"], lease=LEASE, owner="holder")
    token = held.fencing_tokens["kept:key"]
    second = open_lock_backend(f"sqlite:///{path}")  # finds the rowid table and rebuilds it
    try:
        with pytest.raises(LockTimeout):
            second.try_acquire(["kept:key"], lease=5, owner="contender")
        assert lock_row(str(path), "kept:key")[1] == token
        held.check()
        held.release()
        with second.try_acquire(["kept:key"], lease=5, owner="contender") as taken:
            assert taken.fencing_tokens["kept:key"] > token
    finally:
        first.close()
        second.close()


def test_foreign_holder_lease_expires(sqlite_url: str, unique_key: str) -> None:
    path = sqlite_url.removeprefix("sqlite:///")
    backend = open_lock_backend(sqlite_url)
    try:
        with backend.acquire_many([unique_key], timeout=1, lease=LEASE, owner="elsewhere"):
            pass
        with sqlite3.connect(path) as connection:
            connection.execute(
                "INSERT OR REPLACE INTO opsgen_locks (key, owner, token, expires_at, process) VALUES (?, ?, ?, ?, ?)",
                (unique_key, "elsewhere", 10_000, time.time() + 1.0, "other-boot:4026531836:999999"),
            )
        with pytest.raises(LockTimeout):
            backend.try_acquire([unique_key], lease=5, owner="contender")
        with backend.acquire_many([unique_key], timeout=3, lease=5, owner="contender") as held:
            assert held.fencing_tokens[unique_key] > 10_000
    finally:
        backend.close()
