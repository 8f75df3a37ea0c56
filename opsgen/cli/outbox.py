"""``opsgen outbox``: deliver, list and re-queue durable side effects in the outbox.

Effect handlers belong to the application, so these commands first load it: the
``--app module:object`` option or ``app`` in ``[tool.opsgen]`` names a
:class:`~opsgen.runtime.runtime.Runtime`, or a function that builds or configures
one, with its handlers registered.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
from datetime import datetime
from typing import TYPE_CHECKING, Any

from opsgen.cli.display import (
    SHORT_ID,
    counted,
    effect_error_text,
    json_default,
    make_console,
    normalize_times,
    styled,
    time_text,
)
from opsgen.cli.execution_log import log_problem
from opsgen.runtime.config import add_project_to_path, load_settings
from opsgen.runtime.effects import EffectHandler
from opsgen.runtime.errors import ConfigurationError, EffectHandlerMissing
from opsgen.runtime.runtime import Runtime, load_app
from opsgen.runtime.schema import EffectStatus
from opsgen.runtime.store import utcnow

if TYPE_CHECKING:
    from opsgen.runtime.outbox import DrainReport, ForeignClaim

#: How to load the application, for messages about a command run without one.
LOAD_APP_HINT = (
    'load the application with --app module:object, app = "module:object" in [tool.opsgen] '
    "or OPSGEN_APP=module:object"
)


def register(subparsers: Any) -> None:
    """Add ``opsgen outbox`` and its subcommands."""
    parser = subparsers.add_parser(
        "outbox",
        help="deliver durable side effects waiting in the outbox",
        description="Deliver durable side effects that were committed but not yet delivered.",
    )
    commands = parser.add_subparsers(dest="outbox_command", metavar="SUBCOMMAND")

    drain_parser = commands.add_parser(
        "drain",
        help="deliver every pending effect that is due, then exit",
        description=(
            "Deliver every pending durable effect that is due when the command starts, oldest first, "
            "reading 100 at a time, then exit. Each effect is attempted at most once per pass, so an "
            "effect whose attempt fails waits for the next run or for --wait. "
            "Exits 0 when nothing is left waiting, and 1 when a delivery failed, an effect "
            "has no handler, an effect still waits for a retry, a due effect is left undelivered "
            "(past --limit, or fallen due during the run), or a due effect is claimed by another "
            "dispatcher that has not delivered it yet."
        ),
    )
    drain_parser.add_argument("--limit", type=_positive_int, metavar="N", help="make at most N delivery attempts")
    drain_parser.add_argument(
        "--wait", type=float, default=0.0, metavar="SECONDS",
        help=(
            "keep delivering effects that wait for a retry or for another dispatcher's claim to end, "
            "for up to this many seconds (default 0: one pass over the effects due at the start)"
        ),
    )
    _add_common(drain_parser)
    drain_parser.set_defaults(handler=run_drain)

    dispatch_parser = commands.add_parser(
        "dispatch",
        help="run a dispatcher that delivers effects until stopped",
        description=(
            "Deliver pending durable effects as they become due, until SIGINT or SIGTERM. Needs the "
            "application's effect handlers: --app, app in [tool.opsgen] or OPSGEN_APP."
        ),
    )
    dispatch_parser.add_argument(
        "--poll", type=float, default=1.0, metavar="SECONDS",
        help="seconds to wait between passes when nothing was due (default 1)",
    )
    _add_common(dispatch_parser)
    dispatch_parser.set_defaults(handler=run_dispatch)

    list_parser = commands.add_parser(
        "list",
        help="list durable effects with their delivery state",
        description=(
            "List durable effects in the outbox, newest first, with their delivery state, attempts and "
            "last error. The table shows the first 8 characters of each id, which `opsgen outbox retry` "
            "accepts. Payloads are not shown."
        ),
    )
    list_parser.add_argument(
        "--status", action="append", default=[], choices=[status.value for status in EffectStatus],
        metavar="STATUS",
        help=f"show only this status ({', '.join(status.value for status in EffectStatus)}); repeatable",
    )
    _add_filters(list_parser)
    list_parser.add_argument("--limit", type=_positive_int, default=50, metavar="N",
                             help="number of effects to show (default 50)")
    list_parser.add_argument("--format", choices=("table", "json"), default="table", help="output format (default table)")
    _add_common(list_parser)
    list_parser.set_defaults(handler=run_list)

    retry_parser = commands.add_parser(
        "retry",
        help="put failed durable effects back to pending with a fresh attempt budget",
        description=(
            "Put failed durable effects back to pending: attempts start again from 0, up to the "
            "effect's max attempts (or --attempts). last_error records who re-queued each effect "
            "and when, with the previous error. A dispatcher or `opsgen outbox drain` then delivers "
            "them. Exits 1 when an id names no failed durable effect."
        ),
    )
    retry_parser.add_argument("ids", nargs="*", metavar="ID", help="effect id, or a unique prefix of one")
    retry_parser.add_argument("--failed", action="store_true",
                              help="re-queue every failed durable effect, or those that --effect and --operation select")
    _add_filters(retry_parser)
    retry_parser.add_argument("--attempts", type=_positive_int, metavar="N",
                              help="attempt budget of the re-queued effects (default: each effect's max attempts)")
    retry_parser.add_argument("--by", metavar="NAME",
                              help="who re-queues, recorded in last_error (default: user@host of this process)")
    _add_common(retry_parser)
    retry_parser.set_defaults(handler=run_retry)

    parser.set_defaults(handler=lambda _args: _usage(parser))


def _add_filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--effect", metavar="NAME", help="only effects of this name, as the spec declares it (send_receipt)")
    parser.add_argument("--operation", metavar="NAME",
                        help="only effects that this operation requested, such as billing.credit_account")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid number {text!r}: expected a whole number of 1 or more") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"invalid number {value}: expected 1 or more")
    return value


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--app", metavar="MODULE:OBJECT",
        help="the application's runtime with its effect handlers (default: app in [tool.opsgen] or OPSGEN_APP)",
    )
    parser.add_argument(
        "--database-url", metavar="URL",
        help="SQLAlchemy URL of the database, when no --app is given (default: database-url in [tool.opsgen])",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log every delivery attempt")


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


class RuntimeWithoutApp(Runtime):
    """The runtime of an outbox command run with no ``--app`` and no ``app`` setting.

    No effect handler is registered on it, so its missing-handler error reports that the
    application was not loaded, instead of asking to register a handler that the
    application may well register.
    """

    def resolve_effect_handler(self, name: str, kind: str, operation: str | None = None) -> EffectHandler:
        try:
            return super().resolve_effect_handler(name, kind, operation)
        except EffectHandlerMissing:
            requester = f" of operation {operation!r}" if operation else ""
            raise EffectHandlerMissing(
                f"no handler for effect {name!r} (kind {kind!r}){requester}: no app was loaded, "
                f"so no effect handler is registered; {LOAD_APP_HINT}"
            ) from None


def load_runtime(args: argparse.Namespace) -> Runtime:
    """Return the application's runtime named by ``--app`` or the settings.

    Without an application, return a :class:`RuntimeWithoutApp` on the database URL.
    """
    settings = load_settings()
    app = args.app or settings.app
    if app:
        add_project_to_path(settings)
        return load_app(app)
    # The URL is passed on even when it is the default: the commands name the database
    # in their own errors, so the runtime's warning about the default would repeat it.
    return RuntimeWithoutApp(settings, database_url=args.database_url or settings.database_url)


def run_drain(args: argparse.Namespace) -> int:
    """Deliver the pending effects once and print what happened."""
    from opsgen.runtime.outbox import drain

    runtime = _prepared_runtime(args, verbose=args.verbose)
    if runtime is None:
        return 1
    report = drain(runtime, limit=args.limit, wait=args.wait)
    without_app = isinstance(runtime, RuntimeWithoutApp) and report.unhandled > 0
    unhandled = f"no handler {report.unhandled}"
    if without_app:
        unhandled += " (no app loaded)"
    print(
        f"delivered {report.delivered}, waiting for retry {report.waiting}, failed {report.failed}, "
        f"{unhandled}, claimed by another dispatcher {report.claimed_elsewhere}"
    )
    if without_app:
        print(f"no app was loaded, so no effect handler is registered; {LOAD_APP_HINT}")
    if report.waiting:
        _print_waiting(report)
    if report.left_due:
        _print_left_due(report, args.limit)
    if report.left_claimed:
        _print_left_claimed(report.left_claimed)
    # Each error is already on standard error: the outbox logs it at WARNING or above.
    return 1 if report.errors or report.waiting or report.left_due or report.left_claimed else 0


def _print_waiting(report: DrainReport) -> None:
    """Print when the first of the effects that wait for a retry falls due."""
    first = report.next_retry_at
    if first is None or first <= utcnow():
        when = "now"
    else:
        when = f"at {first:%Y-%m-%d %H:%M:%S} UTC"
    print(
        f"{counted(report.waiting, 'effect')} waiting for retry, the first due {when}. A running dispatcher, "
        "`opsgen outbox drain` run again or `opsgen outbox drain --wait SECONDS` delivers them."
    )


def _print_left_due(report: DrainReport, limit: int | None) -> None:
    """Print the due effects this run did not attempt, and why."""
    left = counted(report.left_due, "due effect")
    if report.stopped_at_limit:
        reason = f"the run stopped after --limit {limit} attempts"
    else:
        reason = "they became due after the run started"
    print(f"{left} left undelivered, because {reason}. Run `opsgen outbox drain` again to deliver them.")


def _print_left_claimed(claims: list[ForeignClaim]) -> None:
    """Print the due effects that another dispatcher holds, until when, and what to do about them."""
    them = "it" if len(claims) == 1 else "them"
    print(
        f"error: {counted(len(claims), 'due effect')} not delivered: another dispatcher claimed {them} "
        f"and has not delivered {them} yet",
        file=sys.stderr,
    )
    for claim in claims:
        holder = f"claimed by {claim.claimed_by}" if claim.claimed_by else "claim released"
        if claim.claimed_until is not None:
            holder += f" until {claim.claimed_until:%Y-%m-%d %H:%M:%S} UTC"
        print(f"  {claim.effect_id[:SHORT_ID]} {claim.name} (execution {claim.execution_id}), {holder}", file=sys.stderr)
    expiries = [claim.claimed_until for claim in claims if claim.claimed_until is not None]
    when = f" after {max(expiries):%Y-%m-%d %H:%M:%S} UTC, when the claims expire" if expiries else ""
    print(
        f"if that dispatcher still runs, it delivers {them}; if it stopped, run `opsgen outbox drain` again{when} "
        "(a dispatcher takes over the claims of ended processes on this host at once)",
        file=sys.stderr,
    )


def run_list(args: argparse.Namespace) -> int:
    """Print the durable effects of the outbox."""
    from opsgen.runtime.outbox_admin import list_outbox

    runtime = _prepared_runtime(args, verbose=args.verbose)
    if runtime is None:
        return 1
    rows = list_outbox(runtime, statuses=args.status, effect=args.effect, operation=args.operation, limit=args.limit)
    if args.format == "json":
        print(json.dumps(normalize_times(rows), default=json_default, indent=2))
        return 0

    if not rows:
        filtered = args.status or args.effect or args.operation
        print("no durable effects match these filters" if filtered else "no durable effects in the outbox yet")
        return 0

    from rich.table import Table

    now = utcnow()
    table = Table(title=f"durable effects (newest {len(rows)})")
    for column in ("id", "effect", "kind", "operation", "execution", "status", "attempts",
                   "next attempt (UTC)", "created (UTC)", "last error"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            row["id"][:SHORT_ID], row["name"], row["kind"], row["operation"] or "", row["execution_id"][:SHORT_ID],
            styled(row["status"]), f"{row['attempts']}/{row['max_attempts']}",
            _next_attempt_text(row, now),
            time_text(row["created_at"]), effect_error_text(row),
        )
    make_console().print(table)
    return 0


def _next_attempt_text(row: dict[str, Any], now: datetime) -> str:
    """Return the "next attempt" cell of a listed row: its time, "now", or the claim that delays it."""
    from opsgen.runtime.outbox import ClaimState, as_utc, claim_state

    if row["status"] != EffectStatus.pending.value:
        return ""  # only a pending row is attempted again; the column is stale on the others
    state = claim_state(row, now)
    if state is ClaimState.HELD:
        return f"claimed until {time_text(as_utc(row['claimed_until']))}"
    if state is ClaimState.ENDED:
        return "now (its claimant ended)"
    if state is ClaimState.EXPIRED:
        return "now (its claim expired)"
    return time_text(row["next_attempt_at"]) or "now"


def run_retry(args: argparse.Namespace) -> int:
    """Re-queue failed durable effects and print each one re-queued."""
    from opsgen.runtime.outbox_admin import default_requeuer, find_effects, list_outbox, requeue

    if bool(args.ids) == args.failed:
        print("error: give either effect ids or --failed", file=sys.stderr)
        return 2
    if args.ids and (args.effect or args.operation):
        print("error: --effect and --operation select among failed effects; use them with --failed", file=sys.stderr)
        return 2
    runtime = _prepared_runtime(args, verbose=args.verbose)
    if runtime is None:
        return 1

    if args.failed:
        rows = list_outbox(runtime, statuses=[EffectStatus.failed.value], effect=args.effect,
                           operation=args.operation, limit=None)
        errors: list[str] = []
    else:
        rows, errors = find_effects(runtime, args.ids)
    report = requeue(runtime, rows, by=args.by or default_requeuer(), max_attempts=args.attempts)

    for row in report.requeued:
        operation = f" of {row['operation']}" if row["operation"] else ""
        print(f"re-queued {row['id']} {row['name']}{operation} (execution {row['execution_id']}), "
              f"up to {counted(row['max_attempts'], 'attempt')}")
    summary = f"re-queued {len(report.requeued)}"
    if report.requeued:
        summary += "; `opsgen outbox drain` or a running dispatcher delivers them"
    print(summary)
    for error in errors + report.errors:
        print(f"error: {error}", file=sys.stderr)
    return 1 if errors or report.errors else 0


def _prepared_runtime(
    args: argparse.Namespace, *, verbose: bool, require_tables: bool = True, require_app: bool = False
) -> Runtime | None:
    """Configure logging and return the runtime with its tables upgraded, or print why it cannot and return ``None``.

    A database that does not exist is never created. Unless ``require_tables`` is false,
    as for a dispatcher that may start before the application's first call, a database
    without the opsgen tables is rejected too instead of being given empty tables. With
    ``require_app``, a command run without an application is rejected.
    """
    _configure_logging(verbose)
    try:
        runtime = load_runtime(args)
    except ConfigurationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None
    problem = log_problem(runtime.engine, require_tables=require_tables)
    if problem is not None:
        print(f"error: {problem}", file=sys.stderr)
        return None
    if require_app and isinstance(runtime, RuntimeWithoutApp):
        print(f"error: no app was loaded, so no effect handler is registered; {LOAD_APP_HINT}", file=sys.stderr)
        return None
    runtime.prepare()
    return runtime


def run_dispatch(args: argparse.Namespace) -> int:
    """Run the dispatcher until SIGINT or SIGTERM."""
    from opsgen.runtime.outbox import dispatch_forever

    runtime = _prepared_runtime(args, verbose=True, require_tables=False, require_app=True)
    if runtime is None:
        return 1
    stopping: list[int] = []
    signal.signal(signal.SIGTERM, lambda signum, _frame: stopping.append(signum))
    try:
        dispatch_forever(runtime, poll_interval=args.poll, should_stop=lambda: bool(stopping))
    except KeyboardInterrupt:
        pass
    return 0


def _configure_logging(verbose: bool) -> None:
    from opsgen.runtime.log_context import configure_logging

    configure_logging(logging.INFO if verbose else logging.WARNING)
