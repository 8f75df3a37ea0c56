"""A backend opened before ``os.fork()`` keeps working in both processes."""

from __future__ import annotations

import multiprocessing
import sys
import time
from typing import Any

import pytest

from opsgen.runtime.locks import LockBackend, LockTimeout, open_lock_backend

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="os.fork() does not exist on Windows")


def hold_in_child(backend: LockBackend, key: str, results: Any) -> None:
    with backend.acquire_many([key], timeout=5, lease=0.6, owner="exec-child") as held:
        time.sleep(2.0)
        results.put(("lost", held.lost))
    results.put(("done", True))


@pytest.mark.slow
def test_forked_child_renews_and_parent_keeps_connections(lock_url: str, unique_key: str) -> None:
    backend = open_lock_backend(lock_url)
    with backend.acquire_many([f"{unique_key}:warm"], timeout=1, lease=5, owner="exec-parent"):
        pass

    fork = multiprocessing.get_context("fork")
    results = fork.Queue()
    child = fork.Process(target=hold_in_child, args=(backend, unique_key, results))
    child.start()
    time.sleep(1.5)

    with pytest.raises(LockTimeout) as caught:
        backend.try_acquire([unique_key], lease=5, owner="exec-parent")
    assert caught.value.holder == "exec-child"

    child.join(timeout=30)
    assert child.exitcode == 0
    assert results.get(timeout=5) == ("lost", False)
    with backend.acquire_many([unique_key], timeout=2, lease=5, owner="exec-parent") as held:
        assert held.owner == "exec-parent"
    backend.close()
