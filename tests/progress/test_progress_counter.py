"""The progress counter: throttled writes, rate and ETA, writer failures, visibility."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from opsgen.runtime.progress import Progress, ProgressSnapshot, RateEstimator

WORKER = str(Path(__file__).with_name("progress_worker.py"))


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_advance_counts_and_keeps_message() -> None:
    progress = Progress()
    progress.set_total(10)
    progress.advance()
    progress.advance(3, message="batch 2")
    progress.advance(2)

    snapshot = progress.snapshot()
    assert snapshot.done == 6
    assert snapshot.total == 10
    assert snapshot.message == "batch 2"
    assert snapshot.fraction == pytest.approx(0.6)


def test_writes_throttled_by_interval() -> None:
    clock = FakeClock()
    writes: list[ProgressSnapshot] = []
    progress = Progress(writes.append, min_interval=0.5, background=False, clock=clock, wall_clock=clock)
    progress.set_total(100_000)

    for _ in range(100_000):
        progress.advance()
        clock.now += 0.0001
    progress.close()

    # 10 simulated seconds at most one write per 0.5 s, plus set_total and the final write.
    assert 15 <= len(writes) <= 23
    assert writes[-1].done == 100_000
    gaps = [b.updated_at - a.updated_at for a, b in zip(writes[1:-2], writes[2:-1])]
    assert min(gaps) >= 0.5 - 1e-9


def test_clock_read_rarely_in_tight_loop() -> None:
    reads = 0

    def counting_clock() -> float:
        nonlocal reads
        reads += 1
        return time.monotonic()

    progress = Progress(lambda snapshot: None, clock=counting_clock)
    for _ in range(1_000_000):
        progress.advance()
    progress.close()

    assert reads < 2_000


def test_slow_loop_written_every_interval() -> None:
    clock = FakeClock()
    writes: list[ProgressSnapshot] = []
    progress = Progress(writes.append, min_interval=0.5, background=False, clock=clock, wall_clock=clock)

    for _ in range(10):
        clock.now += 1.0
        progress.advance()
    progress.close()

    assert [w.done for w in writes] == list(range(1, 11))


def test_rate_and_eta() -> None:
    clock = FakeClock()
    progress = Progress(min_interval=0.5, clock=clock, wall_clock=clock)
    progress.set_total(1000)
    for _ in range(200):
        clock.now += 0.01
        progress.advance()

    assert progress.rate == pytest.approx(100.0, rel=0.01)
    assert progress.eta == pytest.approx(8.0, rel=0.01)


def test_rate_follows_slowdown() -> None:
    estimator = RateEstimator(window=1.0)
    now, done = 0.0, 0
    for _ in range(100):
        now, done = now + 0.1, done + 100
        estimator.observe(now, done)
    assert estimator.rate == pytest.approx(1000.0)
    for _ in range(100):
        now, done = now + 0.1, done + 10
        estimator.observe(now, done)
    assert estimator.rate == pytest.approx(100.0, rel=0.05)


def test_eta_unknown_without_total() -> None:
    snapshot = ProgressSnapshot(total=None, done=5, message=None, started_at=0.0, updated_at=1.0, rate=5.0)
    assert snapshot.eta is None
    assert snapshot.fraction is None


def test_writer_failure_does_not_reach_operation(caplog: pytest.LogCaptureFixture) -> None:
    def failing_writer(snapshot: ProgressSnapshot) -> None:
        raise RuntimeError("database is down")

    progress = Progress(failing_writer, min_interval=0.0)
    progress.set_total(3)
    for _ in range(3):
        progress.advance()
    progress.close()

    assert progress.done == 3
    assert "writing progress failed" in caplog.text


def test_slow_writer_does_not_block_advance() -> None:
    release = threading.Event()
    writes: list[ProgressSnapshot] = []

    def slow_writer(snapshot: ProgressSnapshot) -> None:
        release.wait(5)
        writes.append(snapshot)

    progress = Progress(slow_writer, min_interval=0.0)
    progress.set_total(1000)
    started = time.monotonic()
    for _ in range(1000):
        progress.advance()
    blocked_for = time.monotonic() - started
    release.set()
    progress.close()

    assert blocked_for < 1.0
    assert writes[-1].done == 1000
    assert len(writes) <= 3


@pytest.mark.slow
def test_progress_visible_to_other_process(tmp_path: Path) -> None:
    database = str(tmp_path / "progress.db")
    connection = sqlite3.connect(database, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("CREATE TABLE progress (id INTEGER PRIMARY KEY, total INTEGER, done INTEGER, message TEXT)")
    connection.execute("INSERT INTO progress (id, total, done) VALUES (1, NULL, 0)")

    worker = subprocess.Popen([sys.executable, WORKER, database, "40", "0.05"], stderr=subprocess.PIPE, text=True)
    seen: list[int] = []
    while worker.poll() is None:
        (done,) = connection.execute("SELECT done FROM progress WHERE id = 1").fetchone()
        seen.append(done)
        time.sleep(0.1)
    _, stderr = worker.communicate()
    (final,) = connection.execute("SELECT done FROM progress WHERE id = 1").fetchone()
    connection.close()

    assert worker.returncode == 0, stderr
    assert final == 40
    assert len({value for value in seen if 0 < value < 40}) >= 2
