"""Counts in messages, with the noun in the number it takes: ``1 attempt``, ``3 attempts``.

The runtime, the integrations and the commands share :func:`counted`, so that a count of
one reads ``1 attempt`` in log records and command output alike.
"""

from __future__ import annotations


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """Return ``count`` and ``noun`` in the number it takes: ``1 file``, ``0 files``, ``2 files``.

    ``plural`` is for a noun whose plural is not ``noun`` plus ``s``.
    """
    if count == 1:
        return f"{count} {noun}"
    return f"{count} {plural or noun + 's'}"
