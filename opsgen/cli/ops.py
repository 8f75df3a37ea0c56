"""``opsgen ops``: read the execution log.

``opsgen ops list`` shows the newest executions; ``opsgen ops show ID`` shows one
execution with its call tree, its effects and their delivery state, and its error
with the traceback. Both print a rich table by default and JSON with ``--format json``.
Input, output and error details are shown as stored: redacted. ``opsgen ops cancel
ID`` cancels a queued call that no worker has started, as Celery's ``revoke`` does.
"""

from __future__ import annotations

import argparse
import difflib
import getpass
import json
import sys
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from opsgen.cli.display import (
    SHORT_ID,
    make_console,
    duration_text,
    effect_error_text,
    json_default,
    normalize_times,
    styled,
    time_text,
)
from opsgen.cli.execution_log import log_problem
from opsgen.runtime.config import load_settings
from opsgen.runtime.database import create_runtime_engine
from opsgen.runtime.errors import ConfigurationError
from opsgen.runtime.schema import ExecutionStatus
from opsgen.runtime.store import ExecutionStore

#: Columns that ``ops show`` never prints: a durable effect's payload is kept unredacted
#: for delivery.
HIDDEN_EFFECT_COLUMNS = ("payload",)

#: The effect that sends a call queued inside a transaction (see
#: ``opsgen.integrations.background.sender``; not imported, to keep this command light).
ENQUEUE_EFFECT_NAME = "opsgen.enqueue"

def register(subparsers: Any) -> None:
    """Add ``opsgen ops`` and its subcommands."""
    parser = subparsers.add_parser(
        "ops",
        help="read the execution log (list, show, watch) and cancel a pending call",
        description="Read the execution log that every operation call writes.",
    )
    commands = parser.add_subparsers(dest="ops_command", metavar="SUBCOMMAND")

    list_parser = commands.add_parser(
        "list",
        help="list the newest executions",
        description=(
            "List executions, newest first, with status, actor and duration in milliseconds. A queued call "
            "that ran more than once shows its first start and a duration that spans every attempt. "
            "The table shows the first 8 characters of each id, which `opsgen ops show` accepts."
        ),
    )
    list_parser.add_argument("--running", action="store_true", help="show only executions still running")
    list_parser.add_argument(
        "--status", action="append", default=[], choices=[status.value for status in ExecutionStatus],
        metavar="STATUS",
        help=f"show only this status ({', '.join(status.value for status in ExecutionStatus)}); repeatable",
    )
    list_parser.add_argument(
        "--operation", metavar="NAME",
        help="show only this operation, such as billing.credit_account; an operation that the log has no "
             "execution of exits 1 with the closest names",
    )
    list_parser.add_argument("--roots", action="store_true", help="show only top-level executions, not nested calls")
    list_parser.add_argument("--actor", metavar="ACTOR", help="show only the executions of this actor")
    list_parser.add_argument(
        "--request-id", metavar="ID",
        help="show only the executions whose request id is exactly ID (not a prefix), such as every call of one "
             "web request; `ops show` prints an execution's request id"
    )
    list_parser.add_argument("--limit", type=int, default=50, metavar="N", help="number of executions to show (default 50)")
    _add_common(list_parser)
    list_parser.set_defaults(handler=run_list)

    show_parser = commands.add_parser(
        "show",
        help="show one execution, its call tree, effects and error",
        description=(
            "Show one execution: its record, the tree of nested calls it belongs to, the side "
            "effects of that tree with their delivery state, and the error with its traceback. "
            "Durations are in milliseconds."
        ),
    )
    show_parser.add_argument("execution_id", metavar="ID", help="execution id, or a unique prefix of one")
    _add_common(show_parser)
    show_parser.set_defaults(handler=run_show)

    watch_parser = commands.add_parser(
        "watch",
        help="show a live progress bar of one execution until it ends",
        description=(
            "Show a live progress bar of one execution, with its rate and estimated time left, "
            "until the execution ends. A queued call whose worker died is followed until another "
            "worker has run it. Exits 0 when it succeeded and 1 otherwise."
        ),
    )
    watch_parser.add_argument("execution_id", metavar="ID", help="execution id, or a unique prefix of one")
    watch_parser.add_argument(
        "--interval", type=float, default=0.5, metavar="SECONDS", help="seconds between reads of the record (default 0.5)"
    )
    watch_parser.add_argument(
        "--database-url", metavar="URL",
        help="SQLAlchemy URL of the execution log (default: database-url of [tool.opsgen] or OPSGEN_DATABASE_URL)",
    )
    watch_parser.set_defaults(handler=run_watch)

    cancel_parser = commands.add_parser(
        "cancel",
        help="cancel a queued call that no worker has started",
        description=(
            "Cancel a pending execution: a queued call that no worker has started, or one waiting for its "
            "next attempt. Its record becomes cancelled, and a worker that receives its message later does "
            "not run it. A running execution is not stopped: opsgen does not interrupt code that may be "
            "halfway through its writes. Exits 0 when the execution was cancelled and 1 otherwise."
        ),
    )
    cancel_parser.add_argument("execution_id", metavar="ID", help="execution id, or a unique prefix of one")
    cancel_parser.add_argument("--reason", metavar="TEXT", default="", help="why, kept in the record's error message")
    cancel_parser.add_argument(
        "--database-url", metavar="URL",
        help="SQLAlchemy URL of the execution log (default: database-url of [tool.opsgen] or OPSGEN_DATABASE_URL)",
    )
    cancel_parser.set_defaults(handler=run_cancel)

    parser.set_defaults(handler=lambda _args: _usage(parser))


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=("table", "json"), default="table", help="output format (default table)")
    parser.add_argument(
        "--database-url", metavar="URL",
        help="SQLAlchemy URL of the execution log (default: database-url of [tool.opsgen] or OPSGEN_DATABASE_URL)",
    )


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def open_store(args: argparse.Namespace) -> ExecutionStore | None:
    """Open the execution log named by ``--database-url`` or the settings, or print why it cannot and return ``None``."""
    engine = create_runtime_engine(args.database_url or load_settings().database_url)
    problem = log_problem(engine)
    if problem is not None:
        print(f"error: {problem}", file=sys.stderr)
        return None
    return ExecutionStore(engine)


def run_list(args: argparse.Namespace) -> int:
    """Print the newest executions."""
    store = open_store(args)
    if store is None:
        return 1
    statuses = list(args.status) + (["running"] if args.running else [])
    from opsgen.runtime.locks.abandoned import sweep_abandoned

    # A process killed on this host leaves its record running; mark it abandoned first.
    sweep_abandoned(store.engine)
    rows = store.list_executions(
        limit=args.limit, status=statuses, operation=args.operation, roots_only=args.roots, actor=args.actor,
        request_id=args.request_id,
    )
    if not rows and args.operation:
        unknown = _unknown_operation(store, args.operation)
        if unknown is not None:
            print(f"error: {unknown}", file=sys.stderr)
            return 1
    if args.format == "json":
        print(json.dumps(rows, default=json_default, indent=2))
        return 0

    if not rows:
        filtered = statuses or args.operation or args.roots or args.actor or args.request_id
        print("no executions match these filters" if filtered else "no executions in the log yet")
        return 0

    from rich.table import Table

    table = Table(title=f"executions (newest {len(rows)})")
    for column in ("id", "operation", "status", "actor", "started (UTC)", "duration ms", "error or progress"):
        table.add_column(column, justify="right" if column == "duration ms" else "left")
    for row in rows:
        table.add_row(
            row["id"][:SHORT_ID],
            row["operation"],
            styled(row["status"]),
            row["actor"] or "",
            time_text(row["started_at"]),
            duration_text(row["duration_ms"]),
            _note(row),
        )
    make_console().print(table)
    return 0


#: Operation names listed when none is close to the one requested.
MAX_LISTED_OPERATIONS = 10

#: Error codes of records whose operation name came unchecked from a message: a broker
#: message or a Celery task that named no operation of the worker's registry, or that
#: could not be read. Such a name may be a typo, so it is never suggested.
UNCHECKED_NAME_CODES = ("unknown_operation", "malformed_message")


def _unknown_operation(store: ExecutionStore, operation: str) -> str | None:
    """Return an error naming the closest operations when the log has no execution of ``operation``, else ``None``.

    The suggestions come from the operations of the project's generated package and from
    the log, but not from records that only a rejected message made (see
    :data:`UNCHECKED_NAME_CODES`).
    """
    from sqlalchemy import or_, select

    from opsgen.runtime.schema import executions

    with store.engine.connect() as connection:
        seen = connection.execute(
            select(executions.c.id).where(executions.c.operation == operation).limit(1)
        ).first()
        if seen is not None:
            return None
        known = sorted(connection.execute(select(executions.c.operation).distinct()).scalars())
        checked = connection.execute(
            select(executions.c.operation)
            .where(or_(executions.c.error_code.is_(None), executions.c.error_code.not_in(UNCHECKED_NAME_CODES)))
            .distinct()
        ).scalars()
        candidates = sorted(set(checked) | set(_registry_operations()))

    message = f"the execution log has no execution of operation {operation!r}"
    closest = difflib.get_close_matches(operation, candidates, n=3, cutoff=0.6)
    if closest:
        return f"{message}; did you mean {' or '.join(repr(name) for name in closest)}?"
    if not known:
        return f"{message}, and no execution of any operation"
    listed = ", ".join(known[:MAX_LISTED_OPERATIONS])
    more = f" and {len(known) - MAX_LISTED_OPERATIONS} more" if len(known) > MAX_LISTED_OPERATIONS else ""
    return f"{message}; it has executions of {listed}{more}"


def _registry_operations() -> list[str]:
    """Return the operations of the project's generated package, or none when it cannot be read.

    The manifest that ``opsgen generate`` writes into the package records the ``run``
    definition of each operation by its implementation path, which is the operation's
    name with ``/`` for ``.`` (``orders/place_order.py``).
    """
    try:
        settings = load_settings()
    except ConfigurationError:
        return []
    if settings.package is None:
        return []
    from opsgen.runtime.stale_specs import MANIFEST

    try:
        manifest = json.loads((settings.root / settings.package / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    signatures = manifest.get("signatures") if isinstance(manifest, dict) else None
    if not isinstance(signatures, dict):
        return []
    return [path.removesuffix(".py").replace("/", ".") for path in signatures if isinstance(path, str)]


def _note(row: dict[str, Any]) -> str:
    """Return the last column of ``ops list``: a finished call's error code, a running call's progress."""
    if row["status"] == "running":
        return _progress_text(row)
    return str(row["error_code"] or "")


def _progress_text(row: dict[str, Any]) -> str:
    """Return a record's progress as ``done/total message``, ``?`` for an unknown total.

    A message without counts, such as the note of a call waiting for its lock, is returned alone.
    """
    message = row.get("progress_message") or ""
    done, total = row.get("progress_done"), row.get("progress_total")
    if done is None and total is None:
        return str(message)
    counts = f"{done or 0}/{'?' if total is None else total}"
    return f"{counts} {message}" if message else counts


def run_show(args: argparse.Namespace) -> int:
    """Print one execution with its tree, effects and error."""
    store = open_store(args)
    if store is None:
        return 1
    execution = _find_or_report(store, args.execution_id)
    if execution is None:
        return 1

    from opsgen.runtime.locks.abandoned import mark_abandoned

    tree = store.tree(execution["root_id"])
    # A call of the tree whose process died, or whose lease expired, still reads running:
    # mark it abandoned first, as ``ops list`` and ``ops watch`` do.
    if mark_abandoned(store.engine, tree):
        execution = store.find_execution(execution["id"]) or execution
        tree = store.tree(execution["root_id"])
    effects = [
        {key: value for key, value in effect.items() if key not in HIDDEN_EFFECT_COLUMNS}
        for effect in store.effects_of([row["id"] for row in tree])
    ]
    from opsgen.cli.audit import changes_for_show, entity_columns, print_changes_for_show

    audit_changes = changes_for_show(store.engine, execution["id"], tree)
    from opsgen.integrations.background import attempt_rows

    attempts = attempt_rows(store.engine, execution["id"])
    if args.format == "json":
        document = {"execution": execution, "tree": tree, "effects": effects, "audit_changes": audit_changes,
                    "attempts": attempts}
        print(json.dumps(normalize_times(document), default=json_default, indent=2))
        return 0

    _print_show(execution, tree, effects)
    _print_attempts(attempts)
    columns = entity_columns(store.engine, {change["entity"] for change in audit_changes})
    print_changes_for_show(audit_changes, {name: entity.scales for name, entity in columns.items()})
    return 0


def run_cancel(args: argparse.Namespace) -> int:
    """Cancel a pending execution, or reject one that runs or has ended, saying why."""
    store = open_store(args)
    if store is None:
        return 1
    execution = _find_or_report(store, args.execution_id)
    if execution is None:
        return 1
    execution_id = execution["id"]
    note = f"cancelled by {getpass.getuser()} with opsgen ops cancel" + (f": {args.reason}" if args.reason else "")
    if execution["status"] == ExecutionStatus.pending.value and store.cancel_if_pending(execution_id, CANCELLED_CODE, note):
        print(f"cancelled execution {execution_id} of {execution['operation']}; a worker that receives it will not run it")
        return 0
    current = store.find_execution(execution_id) or execution
    status = current["status"]
    if status == ExecutionStatus.running.value:
        where = f" on {current['host']} (pid {current['pid']})" if current.get("host") else ""
        print(f"error: execution {execution_id} is running{where}; only a pending execution can be cancelled, "
              f"because stopping code halfway could leave its writes half done. `opsgen ops watch "
              f"{execution_id[:SHORT_ID]}` follows it to its end", file=sys.stderr)
    elif status == ExecutionStatus.pending.value:
        print(f"error: execution {execution_id} is waiting in the log's staging file, because the log was busy "
              "when it was queued; try again in a moment", file=sys.stderr)
    else:
        print(f"error: execution {execution_id} has already ended: {status}", file=sys.stderr)
    return 1


#: Error code of an execution cancelled with ``opsgen ops cancel``.
CANCELLED_CODE = "cancelled_by_operator"


def _find_or_report(store: ExecutionStore, execution_id: str) -> dict[str, Any] | None:
    """Return the execution ``execution_id`` names (an id or a unique prefix); print why not and return None."""
    try:
        execution = store.find_execution(execution_id)
    except LookupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None
    if execution is None:
        print(f"error: no execution with id {execution_id!r}", file=sys.stderr)
    return execution


def _print_attempts(attempts: list[dict[str, Any]]) -> None:
    """Print the worker attempts of a queued execution; nothing for a direct call."""
    if not attempts:
        return
    from rich.table import Table

    table = Table(title="worker attempts")
    for column in ("attempt", "status", "worker", "started (UTC)", "finished (UTC)", "error"):
        table.add_column(column)
    for attempt in attempts:
        # Attempt rows abandoned by older versions have a message without a code.
        error = ": ".join(part for part in (attempt["error_code"], attempt["error_message"]) if part)
        table.add_row(
            str(attempt["attempt"]), styled(attempt["status"]), attempt["worker"] or "",
            time_text(attempt["started_at"]), time_text(attempt["finished_at"]), error,
        )
    make_console().print(table)


def run_watch(args: argparse.Namespace) -> int:
    """Show a live progress bar of one execution until it ends."""
    from opsgen.integrations.background import attempt_rows
    from opsgen.runtime.locks.abandoned import mark_abandoned
    from opsgen.runtime.progress_view import watch_execution

    store = open_store(args)
    if store is None:
        return 1
    execution = _find_or_report(store, args.execution_id)
    if execution is None:
        return 1
    execution_id = execution["id"]

    def fetch() -> dict[str, Any] | None:
        row = store.find_execution(execution_id)
        if row is not None and mark_abandoned(store.engine, [row]):
            row = store.find_execution(execution_id)
        return row

    def queued(row: Mapping[str, Any]) -> bool:
        # A queued call has attempt rows; its broker redelivers an unacknowledged message.
        return bool(attempt_rows(store.engine, execution_id))

    final = watch_execution(fetch, console=make_console(), interval=args.interval, awaits_takeover=queued)
    return 0 if final is not None and final["status"] == "succeeded" else 1


def _print_show(execution: dict[str, Any], tree: list[dict[str, Any]], effects: list[dict[str, Any]]) -> None:
    from rich.table import Table
    from rich.tree import Tree

    console = make_console()
    details = Table.grid(padding=(0, 2))
    details.add_column(style="bold")
    details.add_column()
    for label, key in (
        ("execution", "id"), ("operation", "operation"), ("status", "status"), ("actor", "actor"),
        ("organization", "organization"), ("request id", "request_id"), ("correlation id", "correlation_id"),
        ("parent", "parent_id"), ("started (UTC)", "started_at"), ("finished (UTC)", "finished_at"),
        ("duration ms", "duration_ms"), ("host", "host"), ("pid", "pid"),
    ):
        details.add_row(label, _cell(key, execution[key]))
    progress = _progress_text(execution)
    if progress:
        details.add_row("progress", progress)
    details.add_row("input", json.dumps(execution["input"], default=json_default))
    if execution["output"] is not None:
        details.add_row("output", json.dumps(execution["output"], default=json_default))
    console.print(details)

    console.print(_call_tree(tree, execution["id"], Tree))

    if effects:
        table = Table(title="effects, in the order requested")
        for column in ("execution", "name", "kind", "durable", "status", "attempts", "last error", "payload"):
            table.add_column(column)
        for effect in effects:
            table.add_row(
                effect["execution_id"][:SHORT_ID], effect["name"], effect["kind"], "yes" if effect["durable"] else "no",
                styled(effect["status"]), f"{effect['attempts']}/{effect['max_attempts']}", effect_error_text(effect),
                _effect_payload_text(effect),
            )
        console.print(table)

    if execution["error_code"]:
        console.print(f"[bold red]error[/] {execution['error_code']}: {execution['error_message']}")
        if execution["error_details"]:
            console.print(f"details: {json.dumps(execution['error_details'], default=json_default)}")
        if execution["traceback"]:
            console.print(execution["traceback"], markup=False, highlight=False)


def _effect_payload_text(effect: dict[str, Any]) -> str:
    """Return the payload column: the effect's JSON, or the operation and input of a queued call.

    A queued call's payload is the whole message (context, ids, retry policy). The call
    tree shows that already, so the column names only the call and its input.
    """
    payload = effect["payload_redacted"]
    if effect["name"] == ENQUEUE_EFFECT_NAME and isinstance(payload, dict) and "operation" in payload:
        queued = str(payload.get("execution_id") or "")[:SHORT_ID]
        text = json.dumps(payload.get("input"), default=json_default)
        return f"{payload['operation']} as {queued}, input {text}"
    return json.dumps(payload, default=json_default)


def _call_tree(rows: list[dict[str, Any]], selected: str, tree_class: Any) -> Any:
    children: dict[str | None, list[dict[str, Any]]] = {}
    for row in rows:
        children.setdefault(row["parent_id"], []).append(row)

    def label(row: dict[str, Any]) -> str:
        marker = " [bold](shown above)[/]" if row["id"] == selected else ""
        # An abandoned record's error code repeats its status.
        error = f" {row['error_code']}" if row["error_code"] and row["error_code"] != row["status"] else ""
        duration = f" {duration_text(row['duration_ms'])} ms" if row["duration_ms"] is not None else ""
        return (f"{row['operation']} {styled(row['status'])}"
                f"{error}{duration} [dim]{row['id']}[/]{marker}")

    roots = [row for row in rows if row["parent_id"] is None or row["parent_id"] not in {r["id"] for r in rows}]
    tree = tree_class("call tree")

    def add(node: Any, row: dict[str, Any]) -> None:
        branch = node.add(label(row))
        for child in children.get(row["id"], []):
            add(branch, child)

    for root in roots:
        add(tree, root)
    return tree


def _cell(key: str, value: Any) -> str:
    if key == "status":
        return styled(value)
    if key == "duration_ms":
        return duration_text(value)
    if isinstance(value, datetime):
        return time_text(value)
    if value is None:
        return ""
    return str(value)


