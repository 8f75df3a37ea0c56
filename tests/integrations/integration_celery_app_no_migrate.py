"""A Celery app whose runtime is built with ``migrate=False``, for the worker start check.

It reads the broker, key prefix and database from the same variables as
``integration_celery_app``.
"""

from __future__ import annotations

import os

from celery import Celery

from integration_ops import ops
from opsgen.integrations import celery as opsgen_celery
from opsgen.runtime.runtime import Runtime

app = Celery("opsgen_integration_no_migrate", broker=os.environ["OPSGEN_TEST_BROKER"])
app.conf.update(
    broker_transport_options={"global_keyprefix": os.environ["OPSGEN_TEST_KEYPREFIX"]},
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
)

runtime = Runtime(database_url=os.environ["OPSGEN_DATABASE_URL"], migrate=False)
integration = opsgen_celery.install(app, ops, runtime=runtime)
