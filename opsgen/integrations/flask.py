"""Flask: an extension that gives every request its context, and problem responses.

``OpsgenFlask(app, actor=lambda request: ...)`` builds a
:class:`~opsgen.runtime.context.Context` before each request, installs it as the
current context until the request is torn down (so ``ops.x(None, ...)`` and
``current_context()`` see it), keeps it in ``flask.g.opsgen_context``, echoes the
request id in the response, and answers an :class:`~opsgen.runtime.result.UnwrapError`
(raised by ``result.unwrap()`` on a failure) with ``application/problem+json``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from flask import Flask, Request, Response, g, request

from opsgen.integrations.problem import PROBLEM_CONTENT_TYPE, ProblemMapper
from opsgen.integrations.web import DEFAULT_REQUEST_ID_HEADER, ContextBuilder
from opsgen.runtime.context import Context, use_context
from opsgen.runtime.result import Failure, UnwrapError

FlaskHook = Callable[[Request], "str | None"]


def problem_response(failure: Failure | UnwrapError, mapper: ProblemMapper | None = None) -> Response:
    """Return the ``application/problem+json`` response of ``failure``."""
    document = (mapper or ProblemMapper()).document(failure, instance=request.path if request else None)
    return Response(json.dumps(document), status=document["status"], content_type=PROBLEM_CONTENT_TYPE)


class OpsgenFlask:
    """The Flask extension; ``init_app`` installs it on an application created later."""

    def __init__(
        self,
        app: Flask | None = None,
        *,
        registry: object | None = None,
        actor: FlaskHook | None = None,
        organization: FlaskHook | None = None,
        request_id_header: str = DEFAULT_REQUEST_ID_HEADER,
        type_base: str | None = None,
    ) -> None:
        self.builder: ContextBuilder[Request] = ContextBuilder(actor, organization, request_id_header)
        self.mapper = ProblemMapper(registry, type_base=type_base)
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        """Register the request hooks and the problem handler on ``app``."""
        app.before_request(self._open)
        app.after_request(self._echo_request_id)
        app.teardown_request(self._close)
        app.register_error_handler(UnwrapError, self._problem)
        app.extensions["opsgen"] = self

    def _open(self) -> None:
        ctx = self.builder.build(request, request.headers.get(self.builder.request_id_header))
        installed: AbstractContextManager[Context] = use_context(ctx)
        installed.__enter__()
        g.opsgen_context = ctx
        g.opsgen_installed = installed

    def _echo_request_id(self, response: Response) -> Response:
        ctx = g.get("opsgen_context")
        if isinstance(ctx, Context) and ctx.request_id:
            response.headers[self.builder.request_id_header] = ctx.request_id
        return response

    def _close(self, _error: BaseException | None) -> None:
        installed = g.pop("opsgen_installed", None)
        if installed is not None:
            installed.__exit__(None, None, None)

    def _problem(self, error: UnwrapError) -> Response:
        return problem_response(error, self.mapper)


def request_context() -> Context:
    """Return the current request's context; raise ``LookupError`` without the extension."""
    ctx: Any = g.get("opsgen_context")
    if not isinstance(ctx, Context):
        raise LookupError("no opsgen context on this request; install OpsgenFlask on the application")
    return ctx
