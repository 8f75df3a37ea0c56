"""The Celery app of the example Django project: its runtime, with queued calls sent on Redis.

``OPSGEN_TEST_DJANGO_DATABASE`` is the project's database, ``OPSGEN_TEST_BROKER`` the
Redis broker URL, ``OPSGEN_TEST_KEYPREFIX`` keeps this test run's keys apart, and
``OPSGEN_TEST_WORKER_LOG`` is the file a worker logs to. ``celery -A django_resend_app
worker`` runs the project's operations, and ``manage.py opsgen_resolve_enqueues --app
django_resend_app:runtime`` sends with this app.
"""

from __future__ import annotations

import logging
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "django_project.settings")

import django  # noqa: E402
from celery import Celery, signals  # noqa: E402

django.setup()

from django_project.notesapp.operations import ops, record_effect  # noqa: E402
from opsgen.integrations import celery as opsgen_celery  # noqa: E402
from opsgen.integrations.django import django_runtime  # noqa: E402
from opsgen.runtime.runtime import configure  # noqa: E402

app = Celery("opsgen_django_resend_tests", broker=os.environ["OPSGEN_TEST_BROKER"])
app.conf.update(
    broker_transport_options={
        "global_keyprefix": os.environ["OPSGEN_TEST_KEYPREFIX"],
        "visibility_timeout": 30,
    },
    worker_prefetch_multiplier=1,
    task_ignore_result=True,
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
)

runtime = configure(django_runtime())
runtime.register_effect_handler("announce", record_effect)
integration = opsgen_celery.install(app, ops, runtime=runtime, lease=5)


@signals.setup_logging.connect
def _log_to_file(**_kwargs: object) -> None:
    handler = logging.FileHandler(os.environ["OPSGEN_TEST_WORKER_LOG"])
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
