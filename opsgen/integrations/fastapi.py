"""FastAPI: a dependency that returns the request's context, and problem responses.

``opsgen_context = context_dependency(actor=lambda request: ...)`` makes a dependency
for ``ctx: Context = Depends(opsgen_context)``. It reuses the context that
:class:`~opsgen.integrations.starlette.OpsgenContextMiddleware` built when the
middleware is installed, and builds one the same way when it is not. An endpoint then
passes ``ctx`` to the operation. Without the middleware, the dependency echoes the
request id in the response itself, and the problem handler does so for failures and
for the 500 response to an unhandled exception.
Failures map to ``application/problem+json`` through
:func:`~opsgen.integrations.starlette.install_problem_handler`, which works on a
FastAPI app unchanged. :func:`install_validation_problem_handler` gives the bodies and
parameters that FastAPI itself rejects, before any operation runs, the same form.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from opsgen.integrations.problem import PROBLEM_CONTENT_TYPE, instance_reference
from opsgen.integrations.starlette import (
    HEADER_STATE_KEY,
    STATE_KEY,
    RequestHook,
    _set_request_id,
    install_problem_handler,
    problem_response,
)
from opsgen.integrations.web import DEFAULT_REQUEST_ID_HEADER, ContextBuilder
from opsgen.runtime.context import Context

__all__ = ["context_dependency", "install_problem_handler", "install_validation_problem_handler", "problem_response"]


def context_dependency(
    *,
    actor: RequestHook | None = None,
    organization: RequestHook | None = None,
    request_id_header: str = DEFAULT_REQUEST_ID_HEADER,
) -> Callable[[Request, Response], Awaitable[Context]]:
    """Return a FastAPI dependency that gives the request's :class:`Context`.

    The dependency is a coroutine function, so FastAPI calls it on the event loop
    instead of a worker thread; the hooks must not block.
    """
    builder: ContextBuilder[Request] = ContextBuilder(actor, organization, request_id_header)

    async def opsgen_context(request: Request, response: Response) -> Context:
        existing = getattr(request.state, STATE_KEY, None)
        if isinstance(existing, Context):
            # The middleware built it, and the middleware echoes the request id.
            return existing
        ctx = builder.build(request, request.headers.get(request_id_header))
        setattr(request.state, STATE_KEY, ctx)
        setattr(request.state, HEADER_STATE_KEY, request_id_header)
        if ctx.request_id:
            response.headers[request_id_header] = ctx.request_id
        return ctx

    return opsgen_context


def install_validation_problem_handler(app: Starlette, *, type_base: str | None = None) -> None:
    """Register a handler that turns FastAPI's ``RequestValidationError`` into an ``application/problem+json`` 422.

    FastAPI validates a declared body model and the path and query parameters before
    the endpoint runs, and responds with its own ``{"detail": [...]}``. With this handler
    the response has the form of an operation's ``invalid_input`` problem: code
    ``invalid_input``, the request path as ``instance``, and ``details.errors`` with the
    field, message and pydantic error type of each problem, never the value sent. No
    operation ran, so it has no ``execution_id`` and the execution log has no record.
    """
    from fastapi.exceptions import RequestValidationError

    async def handle(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        problems = [
            {"field": ".".join(str(part) for part in error["loc"]), "message": error["msg"], "type": error["type"]}
            for error in exc.errors()
        ]
        document: dict[str, Any] = {
            "type": f"{type_base}invalid_input" if type_base else "about:blank",
            "title": HTTPStatus.UNPROCESSABLE_ENTITY.phrase,
            "status": 422,
            "detail": "invalid request: " + "; ".join(f"{problem['field']}: {problem['message']}" for problem in problems),
            "code": "invalid_input",
            "instance": instance_reference(request.scope["path"]),
            "details": {"errors": problems},
        }
        response = JSONResponse(document, status_code=422, media_type=PROBLEM_CONTENT_TYPE)
        _set_request_id(request, response)
        return response

    app.add_exception_handler(RequestValidationError, handle)
