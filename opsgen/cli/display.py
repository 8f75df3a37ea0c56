"""Printing helpers of the ``opsgen`` commands: status colours, times, tables, JSON and counts.

The log helpers serve ``opsgen ops`` and ``opsgen outbox``. :func:`counted`, shared with the
runtime's log messages, serves every command.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime, timezone
from typing import Any

from opsgen.runtime.plural import counted as counted

#: The rich colour of each execution and effect status.
STATUS_STYLES = {
    "running": "cyan",
    "pending": "blue",
    "succeeded": "green",
    "failed": "red",
    "rejected": "magenta",
    "skipped": "yellow",
    "abandoned": "red",
    "delivered": "green",
    "dropped": "yellow",
}

#: Characters of an execution id shown in tables; ``ops show`` accepts such a prefix.
SHORT_ID = 8


def styled(status: str | None) -> str:
    """Return ``status`` in rich markup, coloured by :data:`STATUS_STYLES`."""
    if status is None:
        return ""
    return f"[{STATUS_STYLES.get(status, 'white')}]{status}[/]"


def effect_error_text(effect: dict[str, Any]) -> str:
    """Return the "last error" cell of an effect row.

    A delivered effect keeps the error of a failed attempt before its delivery. The cell
    prefixes that error with "before delivery:", so that it does not read as a failure.
    """
    error = effect.get("last_error")
    if not error:
        return ""
    if effect.get("status") == "delivered":
        return f"before delivery: {error}"
    return str(error)


def duration_text(value: float | None) -> str:
    """Return a duration in milliseconds with one decimal, or an empty cell."""
    return "" if value is None else f"{value:.1f}"


def time_text(value: datetime | None) -> str:
    """Return a time to the second, or an empty cell."""
    return "" if value is None else value.strftime("%Y-%m-%d %H:%M:%S")


#: Width of tables and progress lines written to a pipe or file without ``COLUMNS``, so no cell is cut.
PIPED_WIDTH = 200


def make_console() -> Any:
    """Return a rich console: the terminal's width, or a wide one when output is not a terminal."""
    from rich.console import Console

    if not sys.stdout.isatty() and "COLUMNS" not in os.environ:
        return Console(width=PIPED_WIDTH)
    return Console()


def json_default(value: Any) -> Any:
    """Serialize what ``json`` cannot: datetimes as UTC ISO 8601, anything else as text."""
    if isinstance(value, datetime):
        return utc_iso(value)
    return str(value)


def utc_iso(value: datetime) -> str:
    """Write ``value`` as ISO 8601 in UTC with its offset; the log stores naive times in UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat()


def normalize_times(value: Any, key: str = "") -> Any:
    """Return ``value`` with every ``*_at`` timestamp, datetime or ISO string, in one format."""
    if isinstance(value, dict):
        return {name: normalize_times(item, name) for name, item in value.items()}
    if isinstance(value, list):
        return [normalize_times(item, key) for item in value]
    if isinstance(value, datetime):
        return utc_iso(value)
    if isinstance(value, str) and key.endswith("_at"):
        try:
            return utc_iso(datetime.fromisoformat(value))
        except ValueError:
            return value
    return value
