"""Locks between OS processes: lost updates, killed holders and stalled holders."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from opsgen.runtime.locks import LockTimeout, open_lock_backend
from lock_worker import start_holder

WORKER = str(Path(__file__).with_name("lock_worker.py"))
PROCESSES = 4
INCREMENTS = 50


def make_balance(path: Path) -> str:
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("CREATE TABLE balance (id INTEGER PRIMARY KEY, amount INTEGER NOT NULL)")
    connection.execute("INSERT INTO balance (id, amount) VALUES (1, 0)")
    connection.close()
    return str(path)


def read_balance(path: str) -> int:
    connection = sqlite3.connect(path)
    (amount,) = connection.execute("SELECT amount FROM balance WHERE id = 1").fetchone()
    connection.close()
    return int(amount)


def run_incrementers(url: str, balance_db: str, key: str) -> None:
    start_at = time.time() + 1.5
    workers = [
        subprocess.Popen(
            [sys.executable, WORKER, "increment", url, balance_db, key, str(INCREMENTS), str(start_at)],
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(PROCESSES)
    ]
    for worker in workers:
        _, stderr = worker.communicate(timeout=120)
        assert worker.returncode == 0, stderr




@pytest.mark.slow
def test_lock_prevents_lost_updates(lock_url: str, unique_key: str, tmp_path: Path) -> None:
    balance_db = make_balance(tmp_path / "balance.db")

    run_incrementers(lock_url, balance_db, unique_key)

    assert read_balance(balance_db) == PROCESSES * INCREMENTS


@pytest.mark.slow
def test_without_lock_updates_are_lost(tmp_path: Path) -> None:
    balance_db = make_balance(tmp_path / "balance.db")

    run_incrementers("none", balance_db, "unused")

    assert read_balance(balance_db) < PROCESSES * INCREMENTS


@pytest.mark.slow
def test_killed_holder_frees_lock_within_lease(lock_url: str, unique_key: str) -> None:
    lease = 2.0
    holder = start_holder(lock_url, unique_key, "exec-killed", lease=lease, seconds=60)

    with open_lock_backend(lock_url) as backend:
        with pytest.raises(LockTimeout) as caught:
            backend.try_acquire([unique_key], lease=5, owner="exec-next")
        assert caught.value.holder == "exec-killed"

        killed_at = time.monotonic()
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(timeout=10)
        with backend.acquire_many([unique_key], timeout=lease + 3, lease=5, owner="exec-next"):
            freed_after = time.monotonic() - killed_at
            assert backend.holder(unique_key) == "exec-next"

    assert freed_after < lease + 1.5, f"lock freed {freed_after:.2f} s after the kill"


@pytest.mark.slow
def test_stalled_holder_loses_lock_after_lease(lock_url: str, unique_key: str) -> None:
    lease = 1.5
    holder = start_holder(lock_url, unique_key, "exec-stalled", lease=lease, seconds=6)

    try:
        stopped_at = time.monotonic()
        os.kill(holder.pid, signal.SIGSTOP)
        with open_lock_backend(lock_url) as backend:
            with backend.acquire_many([unique_key], timeout=lease + 3, lease=5, owner="exec-next"):
                taken_after = time.monotonic() - stopped_at
    finally:
        os.kill(holder.pid, signal.SIGCONT)
    stdout, stderr = holder.communicate(timeout=30)

    assert taken_after < lease + 1.5, f"lock taken {taken_after:.2f} s after the stop"
    assert stdout.strip() == "lost", stderr
