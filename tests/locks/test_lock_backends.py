"""Every lock backend against its real server: exclusion, timeouts, leases, ordering."""

from __future__ import annotations

import threading
import time

import pytest

from opsgen.runtime.locks import LockTimeout, open_lock_backend, order_keys, render_lock_key
from opsgen.runtime.locks.keys import LockKeyError


def test_acquire_release_roundtrip(lock_url: str, unique_key: str) -> None:
    with open_lock_backend(lock_url) as backend:
        with backend.acquire_many([unique_key], timeout=1, lease=5, owner="exec-1") as held:
            assert held.keys == (unique_key,)
            assert backend.holder(unique_key) == "exec-1"
        assert backend.holder(unique_key) is None


def test_timeout_names_key_and_holder(lock_url: str, unique_key: str) -> None:
    with open_lock_backend(lock_url) as first, open_lock_backend(lock_url) as second:
        with first.acquire_many([unique_key], timeout=1, lease=5, owner="exec-holder"):
            started = time.monotonic()
            with pytest.raises(LockTimeout) as caught:
                second.acquire_many([unique_key], timeout=0.3, lease=5, owner="exec-waiter")
            waited = time.monotonic() - started

    assert caught.value.key == unique_key
    assert caught.value.holder == "exec-holder"
    assert "exec-holder" in str(caught.value)
    assert unique_key in str(caught.value)
    assert 0.25 <= waited < 2.0


def test_try_acquire_fails_at_once(lock_url: str, unique_key: str) -> None:
    with open_lock_backend(lock_url) as first, open_lock_backend(lock_url) as second:
        with first.acquire_many([unique_key], timeout=1, lease=5, owner="exec-a"):
            started = time.monotonic()
            with pytest.raises(LockTimeout) as caught:
                second.try_acquire([unique_key], lease=5, owner="exec-b")
            assert time.monotonic() - started < 0.5
            assert caught.value.holder == "exec-a"
        with second.try_acquire([unique_key], lease=5, owner="exec-b") as held:
            assert held.owner == "exec-b"


def test_waiter_gets_lock_after_release(lock_url: str, unique_key: str) -> None:
    with open_lock_backend(lock_url) as first, open_lock_backend(lock_url) as second:
        held = first.acquire_many([unique_key], timeout=1, lease=5, owner="exec-a")
        timer = threading.Timer(0.3, held.release)
        timer.start()
        try:
            with second.acquire_many([unique_key], timeout=5, lease=5, owner="exec-b"):
                assert second.holder(unique_key) == "exec-b"
        finally:
            timer.join()


def test_timeout_releases_keys_taken_so_far(lock_url: str, unique_key: str) -> None:
    early, late = f"{unique_key}:a", f"{unique_key}:b"
    with open_lock_backend(lock_url) as first, open_lock_backend(lock_url) as second:
        with first.acquire_many([late], timeout=1, lease=5, owner="exec-a"):
            with pytest.raises(LockTimeout) as caught:
                second.acquire_many([late, early], timeout=0.2, lease=5, owner="exec-b")
            assert caught.value.key == late
            assert second.holder(early) is None


def test_keys_sorted_and_deduplicated() -> None:
    assert order_keys(["b", "a", "b", "c"]) == ("a", "b", "c")
    with pytest.raises(ValueError):
        order_keys(["a", ""])


def test_opposite_orders_do_not_deadlock(lock_url: str, unique_key: str) -> None:
    keys = [f"{unique_key}:x", f"{unique_key}:y"]
    errors: list[BaseException] = []
    done = {"a": 0, "b": 0}

    def run(name: str, order: list[str]) -> None:
        backend = open_lock_backend(lock_url)
        try:
            for _ in range(20):
                with backend.acquire_many(order, timeout=10, lease=5, owner=f"exec-{name}"):
                    done[name] += 1
        except BaseException as exc:
            errors.append(exc)
        finally:
            backend.close()

    threads = [
        threading.Thread(target=run, args=("a", keys)),
        threading.Thread(target=run, args=("b", list(reversed(keys)))),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert done == {"a": 20, "b": 20}


def test_live_holder_keeps_lock_past_lease(lock_url: str, unique_key: str) -> None:
    with open_lock_backend(lock_url) as first, open_lock_backend(lock_url) as second:
        with first.acquire_many([unique_key], timeout=1, lease=0.6, owner="exec-slow") as held:
            deadline = time.monotonic() + 2.0
            while time.monotonic() < deadline:
                with pytest.raises(LockTimeout):
                    second.try_acquire([unique_key], lease=5, owner="exec-thief")
                time.sleep(0.1)
            assert not held.lost
            held.check()


def test_fencing_tokens_grow(lock_url: str, unique_key: str) -> None:
    with open_lock_backend(lock_url) as backend:
        with backend.acquire_many([unique_key], timeout=1, lease=5, owner="exec-1") as first:
            first_tokens = dict(first.fencing_tokens)
        with backend.acquire_many([unique_key], timeout=1, lease=5, owner="exec-2") as second:
            second_tokens = dict(second.fencing_tokens)

    if backend.name == "postgresql":
        assert first_tokens == {}
        assert second_tokens == {}
    else:
        assert second_tokens[unique_key] > first_tokens[unique_key]


def test_open_rejects_unknown_scheme() -> None:
    with pytest.raises(ValueError, match="no lock backend"):
        open_lock_backend("mysql://localhost/db")
    with pytest.raises(ValueError, match="need a file"):
        open_lock_backend("sqlite:///:memory:")


def test_render_lock_key() -> None:
    assert render_lock_key("account:{account_id}", {"account_id": 42}) == "account:42"
    with pytest.raises(LockKeyError, match="account_id"):
        render_lock_key("account:{account_id}", {"amount": 1})
    with pytest.raises(LockKeyError, match="plain input"):
        render_lock_key("account:{account.id}", {"account": 1})
