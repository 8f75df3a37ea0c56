"""Django system checks of the opsgen settings, run by ``manage.py check`` and at start-up.

``opsgen.E001``: ``OpsgenMiddleware`` comes before ``AuthenticationMiddleware`` in
``MIDDLEWARE``. It then reads ``request.user`` before Django has set it, so every
request runs without an actor and operations that require one answer 401.
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
