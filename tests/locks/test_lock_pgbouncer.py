"""Advisory locks through PgBouncer in transaction pooling mode.

Starts a PgBouncer of its own on a free loopback port in front of the test PostgreSQL
server. Skipped when the ``pgbouncer`` program is not installed.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from opsgen.runtime.locks import LockTimeout, open_lock_backend

PGBOUNCER = shutil.which("pgbouncer") or ("/usr/sbin/pgbouncer" if os.path.exists("/usr/sbin/pgbouncer") else None)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def pgbouncer_url(postgres_url: str, tmp_path: Path) -> Iterator[str]:
    """A lock URL that reaches the test database through PgBouncer with ``pool_mode = transaction``.

    The database name ``single`` on the same PgBouncer reaches the same database through a
    pool of one server connection.
    """
    if PGBOUNCER is None:
        message = "pgbouncer is not installed (apt-get install pgbouncer; scripts/test installs it in CI)"
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    database = postgres_url.rsplit("/", 1)[1]
    port = free_port()
    tmp_path.chmod(0o755)
    (tmp_path / "users.txt").write_text('"postgres" ""\n')
    (tmp_path / "pgbouncer.ini").write_text(
        f"[databases]\n{database} = host=127.0.0.1 port=5432 dbname={database}\n"
        f"single = host=127.0.0.1 port=5432 dbname={database} pool_size=1\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        f"auth_type = trust\nauth_file = {tmp_path / 'users.txt'}\n"
        "pool_mode = transaction\ndefault_pool_size = 3\nmax_client_conn = 50\n"
    )
    for name in ("users.txt", "pgbouncer.ini"):
        (tmp_path / name).chmod(0o644)
    command = [PGBOUNCER, str(tmp_path / "pgbouncer.ini")]
    if os.geteuid() == 0:
        # PgBouncer refuses to run as root.
        command[1:1] = ["-u", "nobody"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    output = process.stdout.read() if process.stdout else ""
                    pytest.fail(f"pgbouncer did not start: {output}")
                time.sleep(0.05)
        yield f"postgresql://postgres@127.0.0.1:{port}/{database}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_locks_hold_through_transaction_pooling(pgbouncer_url: str) -> None:
    key = "account:pgbouncer"
    with open_lock_backend(pgbouncer_url) as first, open_lock_backend(pgbouncer_url) as second:
        held = first.acquire_many([key], timeout=2, lease=5, owner="exec-first")

        # Other clients keep running transactions on the pool's other server connections.
        for number in range(10):
            with second.acquire_many([f"account:other-{number}"], timeout=2, lease=5, owner="exec-busy"):
                pass
        with pytest.raises(LockTimeout) as caught:
            second.acquire_many([key], timeout=0.3, lease=5, owner="exec-second")
        assert caught.value.holder == "exec-first"

        held.release()
        with second.acquire_many([key], timeout=2, lease=5, owner="exec-second") as taken:
            assert taken.owner == "exec-second"
            assert first.holder(key) == "exec-second"


def test_lease_renewal_through_transaction_pooling(pgbouncer_url: str) -> None:
    key = "account:pgbouncer-lease"
    with open_lock_backend(pgbouncer_url) as first, open_lock_backend(pgbouncer_url) as second:
        with first.acquire_many([key], timeout=2, lease=0.6, owner="exec-slow") as held:
            time.sleep(2.0)
            with pytest.raises(LockTimeout):
                second.try_acquire([key], lease=5, owner="exec-thief")
            assert not held.lost


def test_session_lock_leaks_under_transaction_pooling(pgbouncer_url: str) -> None:
    import psycopg

    single = pgbouncer_url.rsplit("/", 1)[0] + "/single"
    first = psycopg.connect(single, autocommit=True)
    second = psycopg.connect(single, autocommit=True)
    try:
        row = first.execute("SELECT pg_advisory_lock(4242), pg_backend_pid()").fetchone()
        assert row is not None

        # The server session that holds the lock now serves the other client, which
        # "takes" the same lock because advisory locks are re-entrant per session.
        taken = second.execute("SELECT pg_try_advisory_lock(4242)").fetchone()
        assert taken == (True,)
    finally:
        second.execute("SELECT pg_advisory_unlock_all()")
        first.close()
        second.close()
