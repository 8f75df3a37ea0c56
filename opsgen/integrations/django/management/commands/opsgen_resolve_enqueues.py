"""``manage.py opsgen_resolve_enqueues``: settle the calls enqueued in atomic blocks that have ended.

Each pass runs :func:`opsgen.integrations.django.enqueue.AtomicEnqueuer.resolve` on
every intent: calls whose block rolled back become ``cancelled``, and committed calls
that were never sent, because their process died before ``on_commit`` or the send
failed, are sent through the runtime's sender. Run it once from cron, or with
``--loop SECONDS`` as a long-running service; SIGTERM or SIGINT stops the loop after
the pass in hand.
"""

from __future__ import annotations

import argparse
import logging
import math
import signal
import threading
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser  # type: ignore[import-untyped]
from django.db import close_old_connections  # type: ignore[import-untyped]

from opsgen.integrations.background import ENQUEUE_EFFECT
from opsgen.integrations.django.enqueue import AtomicEnqueuer, Resolution, django_enqueuer, runtime_deliver
from opsgen.integrations.django.settings_errors import SETTINGS_ERRORS, settings_error_message
from opsgen.runtime.runtime import Runtime, get_runtime, load_app

logger = logging.getLogger(__name__)


def positive_seconds(value: str) -> float:
    """Parse a ``--loop`` value: a finite number of seconds greater than 0."""
    try:
        seconds = float(value)
    except ValueError:
        seconds = 0.0
    if not (seconds > 0 and math.isfinite(seconds)):
        raise argparse.ArgumentTypeError(f"expected a finite number of seconds greater than 0, not {value!r}")
    return seconds


class Command(BaseCommand):  # type: ignore[misc]
    # The command checks its own runtime and raises CommandError for what is wrong with
    # it. opsgen.W001 would be a false warning for a runtime given with --app.
    requires_system_checks: list[str] = []
    help = (
        "Cancel the calls enqueued in Django atomic blocks that rolled back, and send the committed "
        "ones whose message was never sent. Runs once, or every --loop SECONDS until SIGTERM."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--loop", type=positive_seconds, metavar="SECONDS",
            help="run a pass every SECONDS seconds until SIGTERM or SIGINT (default: one pass, then exit)",
        )
        parser.add_argument(
            "--app", metavar="MODULE:OBJECT",
            help="the runtime to use, as for `opsgen outbox --app` (default: the runtime that "
                 "configure(django_runtime()) set, usually in AppConfig.ready())",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        enqueuer = self._enqueuer(options["app"])
        loop: float | None = options["loop"]
        if loop is None:
            self._run_once(enqueuer, options["verbosity"])
        else:
            self._run_loop(enqueuer, loop, options["verbosity"])

    def _enqueuer(self, app: str | None) -> AtomicEnqueuer:
        try:
            runtime: Runtime = load_app(app) if app else get_runtime()
            enqueuer = django_enqueuer(runtime)
        except SETTINGS_ERRORS as exc:
            raise CommandError(settings_error_message(exc)) from exc
        if runtime_deliver(runtime) is None:
            raise CommandError(
                f"the runtime has no {ENQUEUE_EFFECT!r} handler, so committed calls cannot be sent; call "
                "opsgen.integrations.celery.install(app, ops, runtime=runtime) where the runtime is configured, "
                "or name that module with --app"
            )
        return enqueuer

    def _run_once(self, enqueuer: AtomicEnqueuer, verbosity: int) -> None:
        try:
            resolution = enqueuer.resolve()
        except Exception as exc:
            raise CommandError(f"resolving the enqueued calls failed: {type(exc).__name__}: {exc}") from exc
        self._report(resolution, verbosity)
        if resolution.unsent:
            raise CommandError(
                f"{len(resolution.unsent)} committed calls could not be sent and stay for the next run: "
                f"{', '.join(resolution.unsent)}"
            )

    def _run_loop(self, enqueuer: AtomicEnqueuer, seconds: float, verbosity: int) -> None:
        stop = threading.Event()

        def request_stop(signum: int, _frame: FrameType | None) -> None:
            logger.info("received %s; stopping after the pass in hand", signal.Signals(signum).name)
            stop.set()

        previous = {number: signal.signal(number, request_stop) for number in (signal.SIGTERM, signal.SIGINT)}
        logger.info("resolving enqueued calls every %.1f s", seconds)
        try:
            while not stop.is_set():
                try:
                    self._report(enqueuer.resolve(), verbosity)
                except Exception as exc:  # noqa: BLE001 - a long-running loop outlives a database outage
                    logger.error("resolving the enqueued calls failed (%s: %s); trying again in %.1f s",
                                 type(exc).__name__, exc, seconds)
                close_old_connections()
                stop.wait(seconds)
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)
        logger.info("stopped resolving enqueued calls")

    def _report(self, resolution: Resolution, verbosity: int) -> None:
        changed = resolution.cancelled or resolution.sent or resolution.unsent
        if verbosity >= 2 or (verbosity >= 1 and changed):
            self.stdout.write(
                f"sent {len(resolution.sent)}, cancelled {len(resolution.cancelled)}, "
                f"still unsent {len(resolution.unsent)}"
            )
