"""Check that PostgreSQL, Redis and RabbitMQ answer on loopback, and start any that is stopped.

Usage: python scripts/services.py [--require]

Each service is probed with a real protocol exchange, not just a TCP connect. A service
that does not answer is started with its usual command when that command is installed.
With --require (the default when CI=true) the script exits 1 if any service still does
not answer, because tests that claim PostgreSQL, Redis or Celery behaviour must not be
skipped in CI.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

HOST = "127.0.0.1"


def _probe_postgres() -> None:
    import psycopg

    url = os.environ.get("OPSGEN_TEST_POSTGRES", f"postgresql://postgres@{HOST}:5432/postgres")
    with psycopg.connect(url, connect_timeout=3) as conn:
        conn.execute("SELECT 1")


def _probe_redis() -> None:
    import redis

    url = os.environ.get("OPSGEN_TEST_REDIS", f"redis://{HOST}:6379/0")
    client = redis.Redis.from_url(url, socket_timeout=3, socket_connect_timeout=3)
    client.ping()


def _probe_rabbitmq() -> None:
    import kombu

    url = os.environ.get("OPSGEN_TEST_RABBITMQ", f"amqp://guest:guest@{HOST}:5672//")
    with kombu.Connection(url, connect_timeout=3) as conn:
        conn.connect()


def _start_postgres() -> list[str] | None:
    if not shutil.which("pg_ctlcluster") or not os.path.isdir("/etc/postgresql"):
        return None
    versions = sorted(os.listdir("/etc/postgresql"))
    if not versions:
        return None
    return ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main", "start"]


def _start_redis() -> list[str] | None:
    if not shutil.which("redis-server"):
        return None
    return [
        "redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "-::1", "--port", "6379",
        "--save", "", "--appendonly", "no", "--dir", "/var/lib/redis",
        "--logfile", "/var/log/redis/ci.log",
    ]


def _start_rabbitmq() -> list[str] | None:
    if not shutil.which("rabbitmq-server"):
        return None
    return ["rabbitmq-server", "-detached"]


@dataclass(frozen=True)
class Service:
    name: str
    probe: Callable[[], None]
    start_command: Callable[[], list[str] | None]
    start_wait: float


SERVICES = (
    Service("PostgreSQL", _probe_postgres, _start_postgres, 30.0),
    Service("Redis", _probe_redis, _start_redis, 15.0),
    Service("RabbitMQ", _probe_rabbitmq, _start_rabbitmq, 90.0),
)


def _answers(service: Service) -> str | None:
    """Return None when the service answers, else the error text."""
    try:
        service.probe()
    except Exception as exc:  # noqa: BLE001 - any failure means "does not answer"
        return f"{type(exc).__name__}: {exc}"
    return None


def ensure(service: Service) -> str | None:
    """Probe ``service``, start it if it is installed but stopped; return an error or None."""
    error = _answers(service)
    if error is None:
        return None

    command = service.start_command()
    if command is None:
        return f"{service.name} does not answer ({error}) and is not installed here"
    print(f"{service.name} does not answer ({error}); starting it: {' '.join(command)}", flush=True)
    subprocess.run(command, check=False, stdin=subprocess.DEVNULL, timeout=120)

    deadline = time.monotonic() + service.start_wait
    while time.monotonic() < deadline:
        error = _answers(service)
        if error is None:
            return None
        time.sleep(1.0)
    return f"{service.name} still does not answer {service.start_wait:.0f} s after start: {error}"


def main(argv: list[str]) -> int:
    require = "--require" in argv or os.environ.get("CI") == "true"
    socket.setdefaulttimeout(5)
    failures = []
    for service in SERVICES:
        error = ensure(service)
        if error is None:
            print(f"{service.name}: answers", flush=True)
        else:
            failures.append(error)
            print(f"{service.name}: {error}", flush=True)
    if failures and require:
        print("services missing; the tests that need them cannot run", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
