"""The runtime of a Django project: transactions in ``atomic``, effects through ``on_commit``."""

from __future__ import annotations

import sys
from typing import Any

from opsgen.integrations.background import use_outer_transaction_writer
from opsgen.integrations.django.database import django_engine
from opsgen.integrations.django.enqueue import AtomicEnqueuer, side_engine
from opsgen.integrations.django.atomic_block import ApplicationBlock
from opsgen.runtime.runtime import Runtime


def django_runtime(using: str = "default", **kwargs: Any) -> Runtime:
    """Return a runtime whose transactions and execution log use Django's database ``using``.

    Transactional operations run in ``transaction.atomic(using=using)``, nested in any
    block already open, and their effects run through ``transaction.on_commit``, so
    they wait for the commit of the outermost block and never run after a rollback.
    The execution log tables live in the same database; the first call creates them
    (or call ``runtime.ensure_schema()`` from a migration or a deploy step).
    ``kwargs`` go to :class:`~opsgen.runtime.runtime.Runtime`.

    A lock taken by a call inside an atomic block that the application opened is held
    until that block commits or rolls back, and the record of a call that failed in it
    stays after a rollback (see :mod:`opsgen.integrations.django.atomic_block`).
    A call enqueued inside an atomic block that the application opened gets its
    pending record on a connection of its own, and a rollback marks it ``cancelled``
    (see :mod:`opsgen.integrations.django.enqueue`). A Celery worker that
    builds this runtime resolves those calls once it is ready.

    Invalid settings, such as an unknown key in ``[tool.opsgen]`` or a database vendor
    other than PostgreSQL, raise
    :class:`~opsgen.integrations.django.settings_errors.InvalidOpsgenSettings`, which is
    Django's ``ImproperlyConfigured`` and opsgen's ``ConfigurationError``.
    """
    from django.core.signals import request_finished  # type: ignore[import-untyped]
    from django.db import transaction  # type: ignore[import-untyped]

    from opsgen.integrations.django.settings_errors import SETTINGS_ERRORS, InvalidOpsgenSettings, settings_error_message

    try:
        runtime = Runtime(engine=django_engine(using), **kwargs)
    except SETTINGS_ERRORS as exc:
        # The message names the file, key or URL and the fix, so the chained traceback adds nothing.
        raise InvalidOpsgenSettings(settings_error_message(exc)) from None

    def defer(deliver: Any) -> None:
        transaction.on_commit(deliver, using=using)

    runtime.defer_delivery = defer
    side = side_engine(using)
    runtime.on_dispose.append(side.dispose)
    # DDL run inside a view's atomic block would roll back with it, while the runtime
    # took the tables as created; the side engine's connections are outside any block.
    runtime.schema_engine = side
    block = ApplicationBlock(runtime.engine, side, using)
    runtime.outer_transaction = block
    runtime.on_dispose.append(block.stop)
    request_finished.connect(block.sweep_at_request_end, weak=False, dispatch_uid=("opsgen.block", id(block)))
    enqueuer = AtomicEnqueuer(runtime, using, side)
    use_outer_transaction_writer(runtime, enqueuer)
    request_finished.connect(enqueuer.resolve_thread, weak=False, dispatch_uid=("opsgen.enqueue", id(enqueuer)))
    _resolve_at_worker_start(enqueuer)
    _dispose_before_test_database_drop(runtime, using)
    return runtime


def _dispose_before_test_database_drop(runtime: Runtime, using: str) -> None:
    """Close the runtime's own connections before Django's test runner drops the test database.

    The side engine and the lock backend keep connections to the test database of
    ``using`` once a test has called an operation, and PostgreSQL refuses to drop a
    database that has sessions. The hook goes on the ``creation`` of this thread's
    connection wrapper, which is the one the test runner uses when the runtime is built
    in ``AppConfig.ready()``.
    """
    from django.db import connections

    creation = connections[using].creation
    destroy = creation.destroy_test_db

    def destroy_test_db(*args: Any, **kwargs: Any) -> Any:
        runtime.dispose()
        return destroy(*args, **kwargs)

    creation.destroy_test_db = destroy_test_db


def _resolve_at_worker_start(enqueuer: AtomicEnqueuer) -> None:
    """Connect the enqueuer to Celery's ``worker_ready`` signal in a process that imported Celery.

    A Celery worker imports Celery before the project's modules, so a process without
    it is no worker, and the web processes skip the import's cost.
    """
    if "celery" not in sys.modules:
        return
    from celery import signals  # type: ignore[import-untyped]

    signals.worker_ready.connect(
        enqueuer.resolve_at_worker_start, weak=False, dispatch_uid=("opsgen.enqueue", id(enqueuer))
    )
