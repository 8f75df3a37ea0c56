"""Measure the cost of ``Progress.advance()`` in a loop of a million items.

Three loops of ``--items`` iterations run in alternating rounds:

- ``empty``: the loop alone, calling a method that does nothing (the baseline);
- ``advance()``: ``progress.advance()`` with a writer that stores nothing;
- ``advance(message=...)``: the same with a message on every call.

The table shows the median nanoseconds per iteration over the rounds and the cost of
``advance`` above the empty loop. The goal is under 1 µs per call on average.

Usage::

    python benchmarks/bench_progress.py [--quick] [--items N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable

from opsgen.runtime.progress import Progress, ProgressSnapshot


class Empty:
    def advance(self, k: int = 1, message: str | None = None) -> None:
        pass


def discard(snapshot: ProgressSnapshot) -> None:
    pass


def loop_plain(items: int) -> float:
    counter = Empty()
    started = time.perf_counter()
    for _ in range(items):
        counter.advance()
    return time.perf_counter() - started


def loop_advance(items: int) -> float:
    progress = Progress(discard)
    progress.set_total(items)
    started = time.perf_counter()
    for _ in range(items):
        progress.advance()
    elapsed = time.perf_counter() - started
    progress.close()
    return elapsed


def loop_advance_message(items: int) -> float:
    progress = Progress(discard)
    progress.set_total(items)
    started = time.perf_counter()
    for _ in range(items):
        progress.advance(1, message="row")
    elapsed = time.perf_counter() - started
    progress.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 rounds instead of 9")
    parser.add_argument("--items", type=int, default=1_000_000, help="iterations per loop (default 1,000,000)")
    args = parser.parse_args()
    rounds = 3 if args.quick else 9

    loops: dict[str, Callable[[int], float]] = {
        "empty": loop_plain,
        "advance()": loop_advance,
        "advance(message=...)": loop_advance_message,
    }
    timings: dict[str, list[float]] = {name: [] for name in loops}
    for _ in range(rounds):
        for name, loop in loops.items():
            timings[name].append(loop(args.items) / args.items)

    print(f"python {sys.version.split()[0]}, {args.items:,} items, median of {rounds} rounds")
    print(f"{'loop':<24}{'ns/item':>10}{'above empty':>14}")
    baseline = statistics.median(timings["empty"])
    for name, values in timings.items():
        median = statistics.median(values)
        print(f"{name:<24}{median * 1e9:>10.1f}{(median - baseline) * 1e9:>14.1f}")


if __name__ == "__main__":
    main()
