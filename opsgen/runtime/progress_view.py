"""A live progress bar of one execution, read from its execution record (``opsgen ops watch``).

The view polls the record, so it works from any process that can read the execution
log. Rate and ETA come from the stored ``progress_done`` and ``progress_updated_at``
of successive polls, smoothed like the counter's own rate, so they reflect the
operation's pace and not how often the view polls.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn

from opsgen.runtime.progress import ProgressSnapshot, RateEstimator

#: Statuses after which an execution record no longer changes.
FINAL_STATUSES = frozenset({"succeeded", "failed", "skipped", "rejected", "abandoned"})

ExecutionRow = Mapping[str, Any]


def snapshot_from_row(row: ExecutionRow, rate: float | None = None) -> ProgressSnapshot | None:
    """Return the progress stored on an execution row, or ``None`` if it reported none."""
    if row.get("progress_done") is None and row.get("progress_total") is None:
        return None
    started = _timestamp(row.get("started_at")) or _timestamp(row.get("created_at")) or time.time()
    updated = _timestamp(row.get("progress_updated_at")) or started
    return ProgressSnapshot(
        total=row.get("progress_total"),
        done=int(row.get("progress_done") or 0),
        message=row.get("progress_message"),
        started_at=started,
        updated_at=updated,
        rate=rate,
    )


def format_rate(rate: float | None) -> str:
    if rate is None:
        return "-- items/s"
    return f"{rate:,.1f} items/s" if rate < 100 else f"{rate:,.0f} items/s"


def format_eta(seconds: float | None) -> str:
    if seconds is None:
        return "ETA --"
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"ETA {hours}:{minutes:02d}:{secs:02d}" if hours else f"ETA {minutes}:{secs:02d}"


def watch_execution(
    fetch: Callable[[], ExecutionRow | None],
    *,
    console: Console | None = None,
    interval: float = 0.5,
    timeout: float | None = None,
    awaits_takeover: Callable[[ExecutionRow], bool] | None = None,
) -> ExecutionRow | None:
    """Show a live bar of the execution ``fetch`` returns, until its status is final.

    ``fetch`` returns the current execution row (``None`` when it does not exist).
    Returns the last row read, or ``None`` if the execution was never found. Stops
    after ``timeout`` seconds when it is set, returning the row as it was then.

    ``awaits_takeover`` tells whether an ``abandoned`` row will run again, as a queued
    call does once its broker hands the message to another worker. The view then
    says so once and keeps watching instead of stopping.
    """
    console = console or Console()
    row = fetch()
    if row is None:
        return None
    if row["status"] in FINAL_STATUSES and snapshot_from_row(row) is None:
        takeover = row["status"] == "abandoned" and awaits_takeover is not None and awaits_takeover(row)
        if not takeover:
            # A call that ended without reporting progress has no bar to draw.
            _print_final(console, row)
            return row

    estimator = RateEstimator()
    bar = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,.0f}/{task.fields[total_text]}"),
        TextColumn("{task.fields[rate_text]}"),
        TextColumn("{task.fields[eta_text]}"),
        TextColumn("[dim]{task.fields[message]}"),
        console=console,
        transient=False,
    )
    deadline = None if timeout is None else time.monotonic() + timeout
    last_update: float | None = None
    announced_takeover = False

    with bar:
        task = bar.add_task(str(row["operation"]), total=None, total_text="?", rate_text="", eta_text="", message="")
        while True:
            snapshot = snapshot_from_row(row)
            if snapshot is not None:
                if snapshot.updated_at != last_update:
                    estimator.observe(snapshot.updated_at, snapshot.done)
                    last_update = snapshot.updated_at
                snapshot = snapshot_from_row(row, estimator.rate)
                assert snapshot is not None
                bar.update(
                    task,
                    completed=snapshot.done,
                    total=snapshot.total,
                    total_text="?" if snapshot.total is None else f"{snapshot.total:,}",
                    rate_text=format_rate(snapshot.rate),
                    eta_text=format_eta(snapshot.eta),
                    message=snapshot.message or "",
                )
            bar.update(task, description=f"{row['operation']} [{row['status']}]")

            if row["status"] == "abandoned" and awaits_takeover is not None and awaits_takeover(row):
                if not announced_takeover:
                    console.print(
                        f"execution {row['id']} abandoned: its worker stopped; waiting for the broker to hand it "
                        "to another worker (Ctrl-C stops watching)"
                    )
                    announced_takeover = True
            elif row["status"] in FINAL_STATUSES:
                if snapshot is not None:
                    # The last line shows the pace of the whole run; nothing remains to estimate.
                    bar.update(task, rate_text=format_rate(average_rate(row, snapshot)), eta_text="")
                break
            if deadline is not None and time.monotonic() >= deadline:
                break
            time.sleep(interval)
            row = fetch() or row

    if row["status"] in FINAL_STATUSES:
        _print_final(console, row)
    return row


def _print_final(console: Console, row: ExecutionRow) -> None:
    """Print the line that ends a watch: the final status and the error, if any."""
    error = f": {row.get('error_code')}: {row.get('error_message')}" if row.get("error_code") else ""
    console.print(f"execution {row['id']} {row['status']}{error}")


def average_rate(row: ExecutionRow, snapshot: ProgressSnapshot) -> float | None:
    """Return the items per second over the finished run, or ``None`` when it is unknown."""
    finished = _timestamp(row.get("finished_at")) or snapshot.updated_at
    elapsed = finished - snapshot.started_at
    if snapshot.done <= 0 or elapsed <= 0:
        return None
    return snapshot.done / elapsed


def _timestamp(value: object) -> float | None:
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, (int, float)):
        return float(value)
    return None
