"""Helpers shared by the runtime benchmarks: timing, databases, machine description."""

from __future__ import annotations

import compileall
import functools
import importlib.util
import os
import platform
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

POSTGRES_ADMIN_URL = os.environ.get("OPSGEN_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")


def compare(
    variants: dict[str, Callable[[], object]],
    *,
    calls: int,
    rounds: int,
    clock: Callable[[], float] = time.perf_counter,
) -> dict[str, float]:
    """Time every variant in each round, in rotating order, and return median microseconds a call.

    Interleaving the variants spreads the load of a shared machine over all of them, so
    the ratios stay meaningful when the absolute times drift. With
    ``clock=time.process_time`` only this process's CPU time counts, which suits SQLite
    (it runs in-process) on a machine busy with other work.
    """
    names = list(variants)
    for name in names:
        for _ in range(min(calls, 50)):
            variants[name]()
    samples: dict[str, list[float]] = {name: [] for name in names}
    for round_number in range(rounds):
        shift = round_number % len(names)
        for name in names[shift:] + names[:shift]:
            function = variants[name]
            started = clock()
            for _ in range(calls):
                function()
            samples[name].append((clock() - started) / calls * 1e6)
    return {name: statistics.median(values) for name, values in samples.items()}


def machine() -> str:
    """Return one line naming the CPU, core count and Python version."""
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}"


def installed_environment(*trees: Path) -> dict[str, str]:
    """Return this process's environment as a user's shell would have it, with the
    bytecode of each source tree in ``trees`` compiled.

    pip compiles the ``.pyc`` files of what it installs, so a baseline such as pyflakes
    loads compiled code. opsgen run from a source tree does so only when its ``.pyc``
    files exist, and ``PYTHONDONTWRITEBYTECODE``, which some shells and CI images set,
    would make it compile every module in every sample. So the trees are compiled here
    and the variable is left out.
    """
    for tree in trees:
        if not compileall.compile_dir(str(tree), quiet=1):
            raise RuntimeError(f"compiling {tree} failed")
    return {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}


@functools.lru_cache(maxsize=1)
def opsgen_environment() -> dict[str, str]:
    """Return the environment for timed opsgen commands, with the bytecode of the opsgen
    package that this interpreter imports compiled (see :func:`installed_environment`)."""
    spec = importlib.util.find_spec("opsgen")
    assert spec is not None and spec.origin is not None
    return installed_environment(Path(spec.origin).parent)


@contextmanager
def postgres_database() -> Iterator[str | None]:
    """Create a scratch PostgreSQL database and yield its URL; yield ``None`` when unreachable."""
    try:
        import psycopg

        admin = psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=3)
    except Exception as exc:  # noqa: BLE001 - any failure means no PostgreSQL for this run
        print(f"PostgreSQL at {POSTGRES_ADMIN_URL} unavailable ({exc}); skipping it")
        yield None
        return
    name = f"opsgen_bench_{uuid.uuid4().hex[:8]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        yield f"{base}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
