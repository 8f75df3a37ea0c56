"""Many processes opening one new SQLite lock file at once all get write-ahead logging.

A stress test: switching a new file to WAL mode fails at once with "database is
locked" when another process holds the file at that moment, so the race it guards
against shows up in some runs only.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

OPENER = """
import sys, time
from pathlib import Path
go = Path(sys.argv[2])
while not go.exists():
    time.sleep(0.001)
from opsgen.runtime.locks.sqlite import SQLiteLockBackend
backend = SQLiteLockBackend(sys.argv[1])
with backend.acquire_many(["k"], timeout=10, lease=5, owner=sys.argv[3]):
    pass
backend.close()
"""

PROCESSES = 12
ROUNDS = 2


def test_concurrent_open_of_new_lock_file(tmp_path: Path) -> None:
    for round_number in range(ROUNDS):
        path = tmp_path / f"locks-{round_number}.db"
        go = tmp_path / f"go-{round_number}"
        openers = [
            subprocess.Popen([sys.executable, "-c", OPENER, str(path), str(go), f"owner-{index}"],
                             stderr=subprocess.PIPE, text=True)
            for index in range(PROCESSES)
        ]
        time.sleep(1.0)  # let every process import and wait for the signal
        go.touch()
        for opener in openers:
            _, stderr = opener.communicate(timeout=60)
            assert opener.returncode == 0, stderr
