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
FastAPI app unchanged.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from opsgen.integrations.starlette import (
    HEADER_STATE_KEY,
    STATE_KEY,
    RequestHook,
    install_problem_handler,
    problem_response,
)
from opsgen.integrations.web import DEFAULT_REQUEST_ID_HEADER, ContextBuilder
from opsgen.runtime.context import Context

__all__ = ["context_dependency", "install_problem_handler", "problem_response"]


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
