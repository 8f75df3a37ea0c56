"""Time loading and validating generated specs against plain ``yaml.safe_load`` of the same files.

Usage: python benchmarks/bench_spec_load.py [--specs N] [--runs N] [--quick]

Writes N operation specs and one shared-types file to a temporary folder. It times
``opsgen.spec.loader.load_specs`` over the folder: read, parse, validate, resolve and
check across files. The baseline is ``yaml.safe_load`` of every file, which only reads
and parses with PyYAML's default pure-Python loader. It also prints
``yaml.load`` with ``CSafeLoader`` for reference. Each figure is the median of the runs;
the loader's caches are cleared before each run.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from opsgen.spec import semantics
from opsgen.spec.loader import load_specs, spec_files

TYPES = """\
kind: types
types:
  Money: {type: decimal, ge: 0, decimal_places: 2}
  Currency: {enum: [EUR, USD, GBP]}
  Address:
    fields:
      street: str
      city: str
      postcode: {type: str, max_length: 12}
  Card:
    fields:
      number: {type: str, sensitive: true}
      holder: str
"""

SPEC = """\
# yaml-language-server: $schema=../spec.schema.json
name: domain{domain}.operation_{index}
description: Operation number {index}, generated for the benchmark.
version: 1
input:
  account_id: uuid
  amount: {{type: Money, description: Amount to move}}
  currency: {{type: Currency, default: EUR}}
  note: {{type: str, optional: true, max_length: 200}}
  tags: list[str]
  address: Address
  card: Card
  attempts: {{type: int, ge: 0, le: 10, default: 0}}
output:
  balance: Money
  processed_at: datetime
  status: {{enum: [done, pending, failed]}}
errors:
  account_closed:
    message: The account is closed.
    http_status: 409
  limit_exceeded:
    message: The amount is above the limit.
    details:
      limit: Money
context:
  requires: [actor, organization]
transaction: {{isolation: serializable}}
locks:
  - key: "account:{{account_id}}"
side_effects:
  send_receipt:
    kind: email
    durable: true
    payload:
      to: str
      amount: Money
progress: false
audit:
  changes: [Account]
"""


def write_specs(folder: Path, count: int) -> None:
    (folder / "types.yaml").write_text(TYPES, encoding="utf-8")
    for index in range(count):
        domain = index % 20
        target = folder / f"domain{domain}" / f"operation_{index}.yaml"
        target.parent.mkdir(exist_ok=True)
        target.write_text(SPEC.format(domain=domain, index=index), encoding="utf-8")


def median_seconds(
    action: Callable[[], object], runs: int, before: Callable[[], None] | None = None
) -> tuple[float, float]:
    """Return the median wall-clock and the median CPU seconds of ``runs`` calls of ``action``."""
    wall, cpu = [], []
    for _ in range(runs):
        if before is not None:
            before()
        started, started_cpu = time.perf_counter(), time.process_time()
        action()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return statistics.median(wall), statistics.median(cpu)


def safe_load_all(folder: Path) -> None:
    for path in spec_files(folder):
        yaml.safe_load(path.read_text(encoding="utf-8"))


def c_safe_load_all(folder: Path) -> None:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    for path in spec_files(folder):
        yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 - a safe loader


def clear_caches() -> None:
    semantics._parse_cached.cache_clear()
    semantics._pattern_problem.cache_clear()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--specs", type=int, default=1000, help="operation specs to generate (default 1000)")
    parser.add_argument("--runs", type=int, default=7, help="timed runs per measurement; the median is shown (default 7)")
    parser.add_argument("--quick", action="store_true", help="200 specs and 3 runs")
    args = parser.parse_args()
    count, runs = (200, 3) if args.quick else (args.specs, args.runs)

    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary) / "specs"
        folder.mkdir()
        write_specs(folder, count)

        started = time.perf_counter()
        loaded = load_specs(folder)
        first = time.perf_counter() - started
        assert len(loaded.operations) == count

        opsgen_seconds = median_seconds(lambda: load_specs(folder), runs, before=clear_caches)
        baseline_seconds = median_seconds(lambda: safe_load_all(folder), runs)
        c_baseline_seconds = median_seconds(lambda: c_safe_load_all(folder), runs)

    print(f"specs: {count} operations + 1 types file, runs: {runs}, libyaml: {yaml.__with_libyaml__}")
    print(f"load_specs first run: {first * 1000:.1f} ms wall")
    print(f"{'median of runs':<24}{'wall ms':>10}{'CPU ms':>10}")
    rows = [
        ("load_specs", opsgen_seconds),
        ("yaml.safe_load", baseline_seconds),
        ("yaml.load CSafeLoader", c_baseline_seconds),
    ]
    for label, (wall, cpu) in rows:
        print(f"{label:<24}{wall * 1000:>10.1f}{cpu * 1000:>10.1f}")
    for label, (wall, cpu) in rows[1:]:
        print(f"ratio load_specs / {label:<22} wall {opsgen_seconds[0] / wall:.2f}  CPU {opsgen_seconds[1] / cpu:.2f}")


if __name__ == "__main__":
    main()
