"""Time the redaction of one execution record: key names at any depth against paths.

Before sensitive paths, the runtime redacted every key whose name was in the
declaration's ``sensitive_fields``, at any depth. It now follows the compiled paths
that the generator derives from the spec. This script times, in process, interleaved
and in CPU time, on an input record of 3 cards, a map of 2 wallets of 2 cards each and
20 plain fields, where 8 card numbers sit at sensitive paths:

- ``names, before``: the name matching the runtime used before paths, kept here as the
  baseline;
- ``names, now``: the same plain names through the compiled matcher (``**.number``),
  as generated code from before paths is redacted now;
- ``paths``: the paths ``card.number``, ``cards.*.number`` and
  ``wallets.*.cards.*.number``.

Each is timed for :func:`redact` and for :func:`sensitive_values`, the two passes the
pipeline runs on a validated input.

Usage: python benchmarks/bench_redaction.py [--quick]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_common import compare, machine  # noqa: E402

from opsgen.runtime.redaction import REDACTED, SensitivePaths, redact, sensitive_values  # noqa: E402

NAMES = frozenset({"number"})
PATHS = ("card.number", "cards.*.number", "wallets.*.cards.*.number")


def names_before(value: Any, sensitive: frozenset[str]) -> Any:
    """Redact every key named in ``sensitive`` at any depth: the runtime's former rule."""
    if isinstance(value, Mapping):
        return {key: REDACTED if key in sensitive else names_before(item, sensitive) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [names_before(item, sensitive) for item in value]
    return value


def values_before(value: Any, sensitive: frozenset[str], found: list[str], inside: bool = False) -> None:
    """Collect the values under keys named in ``sensitive``: the former :func:`sensitive_values` walk."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            values_before(item, sensitive, found, inside or key in sensitive)
    elif isinstance(value, (list, tuple)):
        for item in value:
            values_before(item, sensitive, found, inside)
    elif inside and value is not None:
        found.append(str(value))


def sample_record() -> dict[str, Any]:
    def card(index: int) -> dict[str, Any]:
        return {"number": f"41111111111{index:05d}", "holder": "Ada Lovelace", "expires": "2030-01"}

    record: dict[str, Any] = {
        "card": card(0),
        "cards": [card(1), card(2), card(3)],
        "wallets": {name: {"owner": name, "cards": [card(4), card(5)]} for name in ("home", "work")},
    }
    record.update({f"field_{index}": f"value {index}" for index in range(20)})
    return record


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds, for a smoke run")
    arguments = parser.parse_args()
    calls, rounds = (200, 5) if arguments.quick else (2000, 21)

    record = sample_record()
    compiled = SensitivePaths.compile(PATHS)
    assert compiled is not None
    assert names_before(record, NAMES) == redact(record, compiled) == redact(record, NAMES)

    print(f"machine: {machine()}")
    print(f"date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, load average: {os.getloadavg()}")
    print(f"median µs per call, {rounds} rounds of {calls} calls, CPU time")
    redaction = compare(
        {
            "names, before": lambda: names_before(record, NAMES),
            "names, now": lambda: redact(record, NAMES),
            "paths": lambda: redact(record, compiled),
        },
        calls=calls,
        rounds=rounds,
        clock=time.process_time,
    )
    values = compare(
        {
            "names, before": lambda: values_before(record, NAMES, []),
            "names, now": lambda: sensitive_values(record, NAMES),
            "paths": lambda: sensitive_values(record, compiled),
        },
        calls=calls,
        rounds=rounds,
        clock=time.process_time,
    )
    for title, medians in (("redact", redaction), ("sensitive_values", values)):
        baseline = medians["names, before"]
        for name, median in medians.items():
            print(f"{title:17} {name:14} {median:8.2f} µs  ratio {median / baseline:5.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
