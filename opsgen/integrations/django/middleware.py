"""Django middleware that gives every request its context, and problem responses.

Add ``"opsgen.integrations.django.OpsgenMiddleware"`` to ``MIDDLEWARE`` after
``AuthenticationMiddleware``. For each request it builds a
:class:`~opsgen.runtime.context.Context`: the actor is ``request.user``'s primary key
(or what the ``OPSGEN_ACTOR`` setting's function returns), the request id comes from
the ``X-Request-ID`` header (setting ``OPSGEN_REQUEST_ID_HEADER``) or is fresh. The
context is the current context while the view runs and is kept in
``request.opsgen_context``. An :class:`~opsgen.runtime.result.UnwrapError` that a view
raises (``result.unwrap()`` on a failure) becomes an ``application/problem+json``
response. With the audit installed, the request's own ORM writes in atomic blocks carry
its actor in the audit trail (:mod:`opsgen.integrations.django.request_audit`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

from pydantic import ValidationError

from opsgen.integrations.problem import PROBLEM_CONTENT_TYPE, ProblemMapper, refused_enqueue, rejected_enqueue
from opsgen.integrations.web import DEFAULT_REQUEST_ID_HEADER, ContextBuilder
from opsgen.runtime.context import use_context
from opsgen.runtime.errors import MissingContextError
from opsgen.runtime.runtime import configured_runtime
from opsgen.runtime.result import Failure, UnwrapError


def user_pk(request: Any) -> str | None:
    """Return the primary key of the authenticated user, ``None`` for an anonymous one."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    return str(user.pk)


def problem_response(failure: Failure | UnwrapError, mapper: ProblemMapper | None = None, *, instance: str | None = None) -> Any:
    """Return the ``application/problem+json`` ``HttpResponse`` of ``failure``."""
    from django.http import HttpResponse  # type: ignore[import-untyped]

    document = (mapper or ProblemMapper()).document(failure, instance=instance)
    return HttpResponse(json.dumps(document), status=document["status"], content_type=PROBLEM_CONTENT_TYPE)


def import_setting(name: str, path: str) -> Any:
    """Import the object that the Django setting ``name`` names by its dotted ``path``.

    Raises :class:`~opsgen.integrations.django.settings_errors.InvalidOpsgenSettings`
    naming the setting when the import fails, so the project stops at start-up with
    Django's ``ImproperlyConfigured``. The import error stays attached as its cause,
    because it may come from inside the imported module.
    """
    from django.utils.module_loading import import_string  # type: ignore[import-untyped]

    from opsgen.integrations.django.settings_errors import InvalidOpsgenSettings

    try:
        return import_string(path)
    except ImportError as exc:
        raise InvalidOpsgenSettings(
            f"{name} = {path!r} in the Django settings cannot be imported: {exc}; "
            "set it to the dotted path of an existing object, such as 'myapp.generated.registry.ops'"
        ) from exc


class OpsgenMiddleware:
    """Build the request's context, install it while the view runs, map failures to problems."""

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        from django.conf import settings  # type: ignore[import-untyped]

        self.get_response = get_response
        actor_path = getattr(settings, "OPSGEN_ACTOR", None)
        actor = import_setting("OPSGEN_ACTOR", actor_path) if actor_path else user_pk
        header = getattr(settings, "OPSGEN_REQUEST_ID_HEADER", DEFAULT_REQUEST_ID_HEADER)
        self.builder: ContextBuilder[Any] = ContextBuilder(actor, None, header)
        registry_path = getattr(settings, "OPSGEN_REGISTRY", None)
        self.mapper = ProblemMapper(import_setting("OPSGEN_REGISTRY", registry_path) if registry_path else None)

    def __call__(self, request: Any) -> Any:
        from opsgen.integrations.django.request_audit import RequestAuditContext, audited_connection

        ctx = self.builder.build(request, request.headers.get(self.builder.request_id_header))
        request.opsgen_context = ctx
        runtime = configured_runtime()
        audited = audited_connection(runtime)
        with use_context(ctx), ExitStack() as wrapped:
            if audited is not None and runtime is not None:
                from django.db import connections  # type: ignore[import-untyped]

                from opsgen.audit.hook import prepare_deferred_schema

                using, stack, tables = audited
                # Triggers deferred by install(..., defer_schema=True) must exist before the request writes.
                prepare_deferred_schema(runtime.engine)
                wrapped.enter_context(connections[using].execute_wrapper(RequestAuditContext(ctx, stack, tables)))
            response = self.get_response(request)
        if ctx.request_id:
            response[self.builder.request_id_header] = ctx.request_id
        return response

    def process_exception(self, request: Any, exception: Exception) -> Any:
        """Return a problem response for an ``UnwrapError``, or an ``enqueue`` refused for a
        missing context key or invalid input; leave other exceptions to Django."""
        if isinstance(exception, UnwrapError):
            return problem_response(exception, self.mapper, instance=request.path)
        if isinstance(exception, MissingContextError):
            return problem_response(refused_enqueue(exception), self.mapper, instance=request.path)
        rejected = rejected_enqueue(exception) if isinstance(exception, ValidationError) else None
        if rejected is not None:
            return problem_response(rejected, self.mapper, instance=request.path)
        return None
