"""Singleton claims: one winner among concurrent processes, and the conflict policies."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from opsgen.runtime.declarations import SingletonDeclaration
from opsgen.runtime.locks import open_lock_backend
from opsgen.runtime.singleton import claim_singleton, singleton_key

WORKER = str(Path(__file__).with_name("lock_worker.py"))
STARTS = 20


@pytest.mark.slow
def test_concurrent_starts_one_runs(lock_url: str, unique_key: str, tmp_path: Path) -> None:
    policy = "skip" if lock_url.startswith("postgresql") else "reject"
    result_db = str(tmp_path / "outcomes.db")
    connection = sqlite3.connect(result_db, isolation_level=None)
    connection.execute("CREATE TABLE outcomes (owner TEXT, outcome TEXT, holder TEXT)")
    connection.close()

    go_file = tmp_path / "go"
    workers = [
        subprocess.Popen(
            [sys.executable, WORKER, "singleton", lock_url, f"singleton:{unique_key}", policy,
             f"exec-{number}", str(go_file), "2.0", result_db],
            stderr=subprocess.PIPE,
            text=True,
        )
        for number in range(STARTS)
    ]
    deadline = time.monotonic() + 60
    while len(list(tmp_path.glob("go.ready.*"))) < STARTS:
        assert time.monotonic() < deadline, "the workers did not get ready within 60 s"
        assert all(worker.poll() is None for worker in workers), "a worker exited before the start"
        time.sleep(0.05)
    go_file.touch()

    for worker in workers:
        _, stderr = worker.communicate(timeout=60)
        assert worker.returncode == 0, stderr

    connection = sqlite3.connect(result_db)
    rows = connection.execute("SELECT owner, outcome, holder FROM outcomes").fetchall()
    connection.close()

    assert len(rows) == STARTS
    winners = [row[0] for row in rows if row[1] == "claimed"]
    assert len(winners) == 1
    losers = [row for row in rows if row[1] != "claimed"]
    assert {row[1] for row in losers} == {"rejected" if policy == "reject" else "skipped"}
    assert {row[2] for row in losers} == {winners[0]}


def test_wait_policy_claims_after_release(lock_url: str, unique_key: str) -> None:
    declaration = SingletonDeclaration(key="nightly", on_conflict="wait", timeout=5.0, lease=5.0)
    key = singleton_key(declaration, {})
    key = f"{key}:{unique_key}"

    with open_lock_backend(lock_url) as backend:
        first = claim_singleton(backend, declaration, key=key, owner="exec-first")
        assert first.claimed
        assert first.held is not None
        timer = threading.Timer(0.3, first.held.release)
        timer.start()
        second = claim_singleton(backend, declaration, key=key, owner="exec-second")
        timer.join()

    assert second.claimed
    assert second.waited >= 0.2
    assert second.held is not None
    second.held.release()


def test_wait_policy_times_out_naming_holder(lock_url: str, unique_key: str) -> None:
    declaration = SingletonDeclaration(key=unique_key, on_conflict="wait", timeout=0.3, lease=5.0)
    key = singleton_key(declaration, {})

    with open_lock_backend(lock_url) as backend:
        first = claim_singleton(backend, declaration, key=key, owner="exec-first")
        second = claim_singleton(backend, declaration, key=key, owner="exec-second")
        assert first.held is not None
        first.held.release()

    assert second.outcome == "rejected"
    assert second.timed_out
    assert second.holder == "exec-first"
    assert "exec-first" in second.message()


def test_singleton_key_template() -> None:
    declaration = SingletonDeclaration(key="report:{organization}")
    assert singleton_key(declaration, {"organization": "acme"}) == "singleton:report:acme"
