"""The Celery app of the integration tests, configured from environment variables.

``OPSGEN_TEST_BROKER`` is the Redis broker URL, ``OPSGEN_TEST_KEYPREFIX`` keeps this
test run's keys apart, ``OPSGEN_DATABASE_URL`` is the execution log both the test and
the worker use, and ``OPSGEN_TEST_WORKER_LOG`` is the file the worker logs to, one line
a record, with the execution's actor and request id.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from celery import Celery, signals

from integration_ops import ops
from opsgen.integrations import celery as opsgen_celery
from opsgen.runtime.context import Context
from opsgen.runtime.log_context import ContextFilter
from opsgen.runtime.runtime import Runtime, configure

LOG_FORMAT = "%(levelname)s %(name)s actor=%(actor)s request=%(request_id)s execution=%(execution_id)s %(message)s"

app = Celery("opsgen_integration_tests", broker=os.environ["OPSGEN_TEST_BROKER"])
app.conf.update(
    broker_transport_options={
        "global_keyprefix": os.environ["OPSGEN_TEST_KEYPREFIX"],
        "visibility_timeout": float(os.environ.get("OPSGEN_TEST_VISIBILITY", "3")),
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
    },
    worker_prefetch_multiplier=1,
    task_ignore_result=True,
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
)

runtime = configure(Runtime(database_url=os.environ["OPSGEN_DATABASE_URL"]))
integration = opsgen_celery.install(app, ops, runtime=runtime, lease=float(os.environ.get("OPSGEN_TEST_LEASE", "2")))


@app.task(name="opsgen_tests.record_note_directly")
def record_note_directly(text: str, report: str) -> None:
    """Call ``demo.record_note`` from a plain task, then write the process id and its journal file to ``report``.

    Unlike ``opsgen.run_operation``, whose claimed call is not journaled, a direct call
    takes a slot in the in-flight journal, so the worker process gets a journal file.
    """
    ops.demo.record_note(Context(actor="journal"), text=text).unwrap()
    journal = runtime.store.journal
    assert journal is not None and journal.path is not None
    Path(report).write_text(f"{os.getpid()} {journal.path}")


@signals.setup_logging.connect
def _log_to_file(**_kwargs: object) -> None:
    handler = logging.FileHandler(os.environ["OPSGEN_TEST_WORKER_LOG"])
    handler.addFilter(ContextFilter())
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
