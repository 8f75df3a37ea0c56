"""``opsgen outbox``: deliver durable side effects waiting in the outbox.

Effect handlers belong to the application, so these commands first load it: the
``--app module:object`` option or ``app`` in ``[tool.opsgen]`` names a
:class:`~opsgen.runtime.runtime.Runtime`, or a function that builds or configures
one, with its handlers registered.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from typing import Any

from opsgen.runtime.config import add_project_to_path, load_settings
from opsgen.runtime.errors import ConfigurationError
from opsgen.runtime.runtime import Runtime, load_app


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
            "Deliver every pending durable effect that is due, oldest first, then exit. "
            "Exits 0 when nothing is left waiting, and 1 when a delivery failed, an effect "
            "has no handler, or an effect still waits for a retry that is not yet due."
        ),
    )
    drain_parser.add_argument("--limit", type=int, metavar="N", help="deliver at most N effects")
    drain_parser.add_argument(
        "--wait", type=float, default=0.0, metavar="SECONDS",
        help="keep retrying effects that wait for a retry for up to this many seconds (default 0: one pass)",
    )
    _add_common(drain_parser)
    drain_parser.set_defaults(handler=run_drain)

    dispatch_parser = commands.add_parser(
        "dispatch",
        help="run a dispatcher that delivers effects until stopped",
        description="Deliver pending durable effects as they become due, until SIGINT or SIGTERM.",
    )
    dispatch_parser.add_argument(
        "--poll", type=float, default=1.0, metavar="SECONDS",
        help="seconds to wait between passes when nothing was due (default 1)",
    )
    _add_common(dispatch_parser)
    dispatch_parser.set_defaults(handler=run_dispatch)

    parser.set_defaults(handler=lambda _args: _usage(parser))


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


def load_runtime(args: argparse.Namespace) -> Runtime:
    """Return the application's runtime named by ``--app`` or the settings, or one from the database URL."""
    settings = load_settings()
    app = args.app or settings.app
    if app:
        add_project_to_path(settings)
        return load_app(app)
    return Runtime(settings, database_url=args.database_url)


def run_drain(args: argparse.Namespace) -> int:
    """Deliver the pending effects once and print what happened."""
    from opsgen.runtime.outbox import drain

    _configure_logging(args.verbose)
    try:
        runtime = load_runtime(args)
    except ConfigurationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    runtime.prepare()
    report = drain(runtime, limit=args.limit, wait=args.wait)
    print(f"delivered {report.delivered}, waiting for retry {report.waiting}, failed {report.failed}")
    for error in report.errors:
        print(f"error: {error}", file=sys.stderr)
    return 1 if report.errors or report.waiting else 0


def run_dispatch(args: argparse.Namespace) -> int:
    """Run the dispatcher until SIGINT or SIGTERM."""
    from opsgen.runtime.outbox import dispatch_forever

    _configure_logging(True)
    try:
        runtime = load_runtime(args)
    except ConfigurationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    runtime.prepare()
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
