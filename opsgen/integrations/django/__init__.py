"""Django: operations in ``atomic``, effects through ``on_commit``, the context from ``request.user``.

- :func:`django_runtime` builds the runtime on Django's database connection;
- :class:`OpsgenMiddleware` builds each request's context and maps failures to
  ``application/problem+json``;
- :func:`resolve_enqueues` marks ``cancelled`` the calls enqueued in atomic blocks
  that rolled back, and sends those that committed but were never sent (see
  :mod:`opsgen.integrations.django.enqueue`);
- with ``"opsgen.integrations.django"`` in ``INSTALLED_APPS``, ``manage.py
  opsgen_resolve_enqueues`` runs that resolution once or in a loop.
"""

from __future__ import annotations

from opsgen.integrations.django.enqueue import resolve_enqueues
from opsgen.integrations.django.middleware import OpsgenMiddleware, problem_response, user_pk
from opsgen.integrations.django.runtime import django_runtime

__all__ = ["OpsgenMiddleware", "django_runtime", "problem_response", "resolve_enqueues", "user_pk"]
