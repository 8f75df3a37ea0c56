"""The Django app of opsgen, which provides its management commands.

Add ``"opsgen.integrations.django"`` to ``INSTALLED_APPS`` to get
``manage.py opsgen_resolve_enqueues`` and the system check of the middleware's place
(:mod:`opsgen.integrations.django.checks`). The app has no models: the opsgen tables belong
to the execution log's own migrations, which the runtime applies.
"""

from __future__ import annotations

from django.apps import AppConfig  # type: ignore[import-untyped]


class OpsgenConfig(AppConfig):  # type: ignore[misc]
    """The opsgen app, registered under the label ``opsgen``."""

    name = "opsgen.integrations.django"
    label = "opsgen"
    verbose_name = "opsgen"

    def ready(self) -> None:
        from django.core import checks  # type: ignore[import-untyped]

        from opsgen.integrations.django.checks import (
            check_imported_settings,
            check_middleware_order,
            check_runtime_configured,
        )

        checks.register(check_middleware_order)
        checks.register(check_imported_settings)
        checks.register(check_runtime_configured)
