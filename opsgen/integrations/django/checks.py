"""Django system checks of the opsgen settings, run by ``manage.py check`` and at start-up.

``opsgen.E001``: ``OpsgenMiddleware`` comes before ``AuthenticationMiddleware`` in
``MIDDLEWARE``. It then reads ``request.user`` before Django has set it, so every
request runs without an actor and operations that require one fail with 401.

``opsgen.E002``: ``OPSGEN_ACTOR`` or ``OPSGEN_REGISTRY`` names an object that cannot be
imported. The middleware would otherwise raise it only on the first request.

``opsgen.W001``: once every app is ready, the process has no runtime built by
``django_runtime()``. Operations would then build a default runtime from
``[tool.opsgen]``, by default a SQLite file in the current folder, outside Django's
database and transactions.
"""

from __future__ import annotations

from typing import Any

MIDDLEWARE_PATH = "opsgen.integrations.django.OpsgenMiddleware"
#: The paths that name the middleware: the package's and the module's.
MIDDLEWARE_PATHS = frozenset({MIDDLEWARE_PATH, "opsgen.integrations.django.middleware.OpsgenMiddleware"})
AUTHENTICATION_PATH = "django.contrib.auth.middleware.AuthenticationMiddleware"


def check_middleware_order(app_configs: Any = None, **_kwargs: Any) -> list[Any]:
    """Return ``opsgen.E001`` when ``OpsgenMiddleware`` runs before ``AuthenticationMiddleware``."""
    from django.conf import settings  # type: ignore[import-untyped]
    from django.core import checks  # type: ignore[import-untyped]

    middleware = list(getattr(settings, "MIDDLEWARE", None) or ())
    ours = [index for index, path in enumerate(middleware) if path in MIDDLEWARE_PATHS]
    if not ours or AUTHENTICATION_PATH not in middleware:
        return []
    if ours[0] > middleware.index(AUTHENTICATION_PATH):
        return []
    return [
        checks.Error(
            f"{MIDDLEWARE_PATH} comes before {AUTHENTICATION_PATH} in MIDDLEWARE, so it reads "
            "request.user before Django sets it: every request would run without an actor",
            hint=f"move {MIDDLEWARE_PATH!r} after {AUTHENTICATION_PATH!r} in MIDDLEWARE",
            id="opsgen.E001",
        )
    ]


#: The settings that name an object by its dotted path, imported by the middleware.
IMPORTED_SETTINGS = ("OPSGEN_ACTOR", "OPSGEN_REGISTRY")


def check_imported_settings(app_configs: Any = None, **_kwargs: Any) -> list[Any]:
    """Return ``opsgen.E002`` for each of :data:`IMPORTED_SETTINGS` whose object cannot be imported."""
    from django.conf import settings
    from django.core import checks

    from opsgen.integrations.django.middleware import import_setting
    from opsgen.integrations.django.settings_errors import InvalidOpsgenSettings

    errors = []
    for name in IMPORTED_SETTINGS:
        path = getattr(settings, name, None)
        if not path:
            continue
        try:
            import_setting(name, path)
        except InvalidOpsgenSettings as exc:
            message, _, hint = str(exc).partition("; ")
            errors.append(checks.Error(message, hint=hint or None, id="opsgen.E002"))
    return errors


def check_runtime_configured(app_configs: Any = None, **_kwargs: Any) -> list[Any]:
    """Return ``opsgen.W001`` when no ``django_runtime()`` is the default runtime."""
    from django.core import checks

    from opsgen.integrations.django.atomic_block import ApplicationBlock
    from opsgen.runtime.runtime import configured_runtime

    runtime = configured_runtime()
    if runtime is not None and isinstance(runtime.outer_transaction, ApplicationBlock):
        return []
    found = "no runtime is configured" if runtime is None else "the default runtime is not a django_runtime()"
    return [
        checks.Warning(
            f"opsgen is installed but {found}: operations would run on a runtime built from "
            "[tool.opsgen] (by default a SQLite file in the current folder), outside Django's database "
            "and transactions",
            hint="call configure(django_runtime()) in an AppConfig.ready() of the project, and set up "
                 "integrations such as opsgen.integrations.celery.install on that runtime",
            id="opsgen.W001",
        )
    ]
