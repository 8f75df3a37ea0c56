"""The runtime of a Django project: transactions in ``atomic``, effects through ``on_commit``."""

from __future__ import annotations

from typing import Any

from opsgen.integrations.django.database import django_engine
from opsgen.runtime.runtime import Runtime


def django_runtime(using: str = "default", **kwargs: Any) -> Runtime:
    """Return a runtime whose transactions and execution log use Django's database ``using``.

    Transactional operations run in ``transaction.atomic(using=using)``, nested in any
    block already open, and their effects run through ``transaction.on_commit``, so
    they wait for the commit of the outermost block and never run after a rollback.
    The execution log tables live in the same database; the first call creates them
    (or call ``runtime.ensure_schema()`` from a migration or a deploy step).
    ``kwargs`` go to :class:`~opsgen.runtime.runtime.Runtime`.
    """
    from django.db import transaction  # type: ignore[import-untyped]

    runtime = Runtime(engine=django_engine(using), **kwargs)

    def defer(deliver: Any) -> None:
        transaction.on_commit(deliver, using=using)

    runtime.defer_delivery = defer
    return runtime
