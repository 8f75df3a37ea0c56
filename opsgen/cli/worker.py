"""``opsgen worker``: consume a broker queue and run each message as an operation call.

Celery workers are started with Celery's own command (``celery -A app worker``); this
command runs :class:`~opsgen.integrations.consumer.OperationConsumer` for messages that
other systems publish. It stops cleanly on SIGTERM or SIGINT after the message in hand.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import signal
import sys
import time
from typing import Any

logger = logging.getLogger(__name__)


def register(subparsers: Any) -> None:
    """Add ``opsgen worker``."""
    parser = subparsers.add_parser(
        "worker",
        help="run a queue consumer that turns messages into operation calls",
        description=(
            "Consume QUEUE on the broker and run each message as a call of the operation its "
            "opsgen-operation header names. Messages that cannot become calls are recorded as "
            "failed executions and moved to the dead-letter queue QUEUE.dead."
        ),
    )
    parser.add_argument("--broker", required=True, metavar="URL",
                        help="kombu broker URL, such as amqp://guest:guest@127.0.0.1:5672// or redis://127.0.0.1:6379/0")
    parser.add_argument("--queue", required=True, metavar="NAME", help="queue to consume")
    parser.add_argument("--registry", required=True, metavar="MODULE:OBJECT",
                        help="the operations registry, such as app.generated.registry:ops")
    parser.add_argument("--app", metavar="MODULE:OBJECT",
                        help="object that configures the runtime (default: app of [tool.opsgen] or OPSGEN_APP)")
    parser.add_argument("--limit", type=int, metavar="N", help="stop after N messages")
    parser.add_argument("--idle-timeout", type=float, metavar="SECONDS",
                        help="stop after this many seconds without a message")
    parser.add_argument("--reconnect-delay", type=float, default=5.0, metavar="SECONDS",
                        help="seconds to wait before reconnecting after an error (default 5)")
    parser.add_argument("--log-level", default="INFO", help="logging level (default INFO)")
    parser.set_defaults(handler=run_worker)


def run_worker(args: argparse.Namespace) -> int:
    """Consume until stopped; return 1 when the registry, the app or a broker client cannot be loaded."""
    from kombu.connection import Connection

    from opsgen.integrations.consumer import OperationConsumer
    from opsgen.runtime.config import add_project_to_path, load_settings
    from opsgen.runtime.errors import ConfigurationError
    from opsgen.runtime.log_context import configure_logging
    from opsgen.integrations.operations import index_operations
    from opsgen.runtime.runtime import get_runtime, load_app

    missing_client = _missing_broker_client(args.broker)
    if missing_client is not None:
        print(f"error: {missing_client}", file=sys.stderr)
        return 1

    configure_logging(args.log_level.upper())
    try:
        settings = load_settings()
        add_project_to_path(settings)
        app = args.app or settings.app
        runtime = load_app(app) if app else get_runtime()
        registry = _load_object(args.registry)
        # Stop here rather than reconnect for ever when the log tables cannot exist.
        runtime.require_schema()
    except ConfigurationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    try:
        # The consumer indexes the registry again on each connection. A registry with no
        # handles would make it fail and reconnect for ever, so stop here instead.
        index_operations(registry)
    except ValueError as exc:
        print(f"error: --registry {args.registry}: {exc}", file=sys.stderr)
        return 1

    stopping = False

    def stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        logger.info("received signal %d; stopping after the current message", signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    handled = 0
    while not stopping:
        try:
            with Connection(args.broker) as connection:  # type: ignore[no-untyped-call]
                consumer = OperationConsumer(connection, args.queue, registry, runtime=runtime)
                remaining = None if args.limit is None else args.limit - handled
                handled += consumer.run(limit=remaining, idle_timeout=args.idle_timeout, should_stop=lambda: stopping)
            break
        except Exception as exc:  # noqa: BLE001 - the unacknowledged message is redelivered
            logger.error("consumer stopped on %s: %s; reconnecting in %.0f s",
                         type(exc).__name__, exc, args.reconnect_delay, exc_info=True)
            time.sleep(args.reconnect_delay)
    return 0


#: Broker URL scheme -> the client package its kombu transport imports, which kombu does not install.
BROKER_CLIENTS = {"redis": "redis", "rediss": "redis", "sentinel": "redis"}


def _missing_broker_client(url: str) -> str | None:
    """Return the message for a broker client that the transport of ``url`` needs and that is not installed.

    kombu imports the client only when the command builds its connection, and kombu 5.7
    then fails with an ``AttributeError``, which the reconnect loop would retry for ever.
    """
    from importlib.util import find_spec

    from opsgen.cli.extras import missing_extra

    scheme = url.partition("://")[0].lower()
    client = BROKER_CLIENTS.get(scheme)
    if client is None or find_spec(client) is not None:
        return None
    return missing_extra(client, f"opsgen worker with a {scheme}:// broker")


def _load_object(spec: str) -> object:
    from opsgen.runtime.errors import ConfigurationError

    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise ConfigurationError(f"registry {spec!r} must have the form module:object")
    try:
        return getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise ConfigurationError(f"cannot load registry {spec!r}: {exc}") from exc
