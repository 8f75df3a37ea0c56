"""An owner takes over its own claim when the process that held it was killed or stopped."""

from __future__ import annotations

import os
import signal
import time

import pytest

from opsgen.runtime.declarations import SingletonDeclaration
from opsgen.runtime.locks import LockTimeout, open_lock_backend
from opsgen.runtime.singleton import claim_singleton
from lock_worker import start_holder

#: Far longer than the test, so only a takeover can free the key in time.
LEASE = 60.0




@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGSTOP], ids=["killed", "stopped"])
@pytest.mark.parametrize("take", ["try_acquire", "acquire_many"])
def test_same_owner_takes_over_key(lock_url: str, unique_key: str, stop: int, take: str) -> None:
    holder = start_holder(lock_url, unique_key, "exec-x", lease=LEASE, seconds=120)
    try:
        os.kill(holder.pid, stop)
        if stop == signal.SIGKILL:
            holder.wait(timeout=10)

        with open_lock_backend(lock_url) as backend, open_lock_backend(lock_url) as other:
            started = time.monotonic()
            if take == "try_acquire":
                held = backend.try_acquire([unique_key], lease=LEASE, owner="exec-x")
            else:
                held = backend.acquire_many([unique_key], timeout=0, lease=LEASE, owner="exec-x")
            with held:
                assert time.monotonic() - started < 6
                assert backend.holder(unique_key) == "exec-x"
                with pytest.raises(LockTimeout) as caught:
                    other.try_acquire([unique_key], lease=LEASE, owner="exec-y")
                assert caught.value.holder == "exec-x"
            other.try_acquire([unique_key], lease=LEASE, owner="exec-y").release()
    finally:
        if holder.poll() is None:
            os.kill(holder.pid, signal.SIGKILL)
            holder.wait(timeout=10)


def test_takeover_issues_larger_token(lock_url: str, unique_key: str) -> None:
    with open_lock_backend(lock_url) as first, open_lock_backend(lock_url) as second:
        old = first.try_acquire([unique_key], lease=LEASE, owner="exec-x")
        new = second.try_acquire([unique_key], lease=LEASE, owner="exec-x")
        if old.fencing_tokens:
            assert new.fencing_tokens[unique_key] > old.fencing_tokens[unique_key]
        # The earlier hold no longer releases the key.
        old.release()
        assert second.holder(unique_key) == "exec-x"
        with pytest.raises(LockTimeout):
            first.try_acquire([unique_key], lease=LEASE, owner="exec-y")
        new.release()


def test_singleton_claim_by_same_owner(lock_url: str, unique_key: str) -> None:
    declaration = SingletonDeclaration(key="nightly")
    key = f"singleton:{unique_key}"
    with open_lock_backend(lock_url) as first, open_lock_backend(lock_url) as second:
        earlier = claim_singleton(first, declaration, key=key, owner="exec-x")
        again = claim_singleton(second, declaration, key=key, owner="exec-x")
        other = claim_singleton(second, declaration, key=key, owner="exec-y")

        assert earlier.claimed
        assert again.claimed
        assert other.outcome == "rejected"
        assert other.holder == "exec-x"
        assert again.held is not None
        again.held.release()
