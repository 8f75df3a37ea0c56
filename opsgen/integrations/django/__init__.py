"""Django: operations in ``atomic``, effects through ``on_commit``, the context from ``request.user``.

- :func:`django_runtime` builds the runtime on Django's database connection;
- :class:`OpsgenMiddleware` builds each request's context and maps failures to
  ``application/problem+json``.
"""

from __future__ import annotations

from opsgen.integrations.django.middleware import OpsgenMiddleware, problem_response, user_pk
from opsgen.integrations.django.runtime import django_runtime

__all__ = ["OpsgenMiddleware", "django_runtime", "problem_response", "user_pk"]
