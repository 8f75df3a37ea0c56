"""Starlette: a middleware that gives every request its context, and problem responses.

:class:`OpsgenContextMiddleware` is plain ASGI middleware. For each HTTP request it
builds a :class:`~opsgen.runtime.context.Context` (actor and organization from the
application's hooks, the request id from a header or a fresh one), installs it as the
current context while the request is handled, keeps it in
``request.state.opsgen_context``, and echoes the request id in the response. Put it
inside Starlette's ``AuthenticationMiddleware`` when the actor hook reads
``request.user``.

:func:`install_problem_handler` turns an :class:`~opsgen.runtime.result.UnwrapError`
(raised by ``result.unwrap()`` on a failure) into an ``application/problem+json``
response, and makes the response to any other unhandled exception carry the request
id too.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from opsgen.integrations.problem import PROBLEM_CONTENT_TYPE, ProblemMapper, refused_enqueue, rejected_enqueue
from opsgen.integrations.web import DEFAULT_REQUEST_ID_HEADER, ContextBuilder
from opsgen.runtime.context import Context, use_context
from opsgen.runtime.errors import MissingContextError
from opsgen.runtime.journal import close_journals
from opsgen.runtime.result import Failure, UnwrapError

#: Key of the context in ``request.state``.
STATE_KEY = "opsgen_context"

#: Key of the request id header's name in ``request.state``, set where the context was built.
HEADER_STATE_KEY = "opsgen_request_id_header"

RequestHook = Callable[[Request], "str | None"]


class OpsgenContextMiddleware:
    """Build the request's context, install it for the request, and echo its request id.

    When the application's lifespan shutdown ends, the middleware closes this process's
    in-flight journals (:func:`~opsgen.runtime.journal.close_journals`).
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        actor: RequestHook | None = None,
        organization: RequestHook | None = None,
        request_id_header: str = DEFAULT_REQUEST_ID_HEADER,
    ) -> None:
        self.app = app
        self.builder: ContextBuilder[Request] = ContextBuilder(actor, organization, request_id_header)
        self.header = request_id_header.lower().encode("latin-1")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, receive, _closing_journals_at_shutdown(send))
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        request = Request(scope)
        ctx = self.builder.build(request, request.headers.get(self.builder.request_id_header))
        state = scope.setdefault("state", {})
        state[STATE_KEY] = ctx
        state[HEADER_STATE_KEY] = self.builder.request_id_header
        request_id = (ctx.request_id or "").encode("latin-1")

        async def send_with_request_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(name, value) for name, value in message.get("headers", []) if name.lower() != self.header]
                message = {**message, "headers": [*headers, (self.header, request_id)]}
            await send(message)

        with use_context(ctx):
            await self.app(scope, receive, send_with_request_id)


def _closing_journals_at_shutdown(send: Send) -> Send:
    """Wrap a lifespan ``send`` so that the in-flight journals close once the application has shut down.

    uvicorn 0.29 and later end the process by re-raising ``SIGTERM`` after the lifespan
    shutdown, which skips the exit handler that would delete the journal file.
    """

    async def send_after_closing(message: Message) -> None:
        if message["type"] in ("lifespan.shutdown.complete", "lifespan.shutdown.failed"):
            close_journals()
        await send(message)

    return send_after_closing


def request_context(request: Request) -> Context:
    """Return the context the middleware built for ``request``.

    Raises ``LookupError`` when the middleware is not installed.
    """
    ctx = getattr(request.state, STATE_KEY, None)
    if not isinstance(ctx, Context):
        raise LookupError("no opsgen context on this request; add OpsgenContextMiddleware to the application")
    return ctx


def problem_response(failure: Failure | UnwrapError, mapper: ProblemMapper | None = None, *, instance: str | None = None) -> Response:
    """Return the ``application/problem+json`` response of ``failure``.

    ``instance`` is the decoded request path. The document carries it percent-encoded.
    """
    document = (mapper or ProblemMapper()).document(failure, instance=instance)
    return JSONResponse(document, status_code=document["status"], media_type=PROBLEM_CONTENT_TYPE)


def install_problem_handler(app: Starlette, registry: object | None = None, *, type_base: str | None = None) -> ProblemMapper:
    """Respond with a problem response to every ``UnwrapError`` the app's handlers raise.

    A :class:`~opsgen.runtime.errors.MissingContextError` from ``enqueue`` gets the 401
    problem response of a direct call without the context, and a ``ValidationError``
    that ``enqueue`` raised for invalid input the 422 ``invalid_input`` one, both with
    no execution id. Any other ``ValidationError`` is left to the server error handler.

    ``registry`` (the generated ``ops``) supplies the declared statuses of error codes.
    It also wraps the app's handler of unhandled exceptions (see
    :func:`echo_request_id_on_server_errors`), so call it after registering your own.
    """
    mapper = ProblemMapper(registry, type_base=type_base)

    async def handle(request: Request, exc: Exception) -> Response:
        failure: Failure | UnwrapError | None
        if isinstance(exc, MissingContextError):
            failure = refused_enqueue(exc)
        elif isinstance(exc, ValidationError):
            failure = rejected_enqueue(exc)
            if failure is None:
                raise exc  # the application's own error: the server error handler handles it
        else:
            assert isinstance(exc, UnwrapError)
            failure = exc
        # ``scope["path"]`` is fully decoded, but ``request.url.path`` keeps ``?`` and ``#``
        # encoded, and the mapper would encode their ``%`` a second time.
        response = problem_response(failure, mapper, instance=request.scope["path"])
        _set_request_id(request, response)
        return response

    app.add_exception_handler(UnwrapError, handle)
    app.add_exception_handler(MissingContextError, handle)
    app.add_exception_handler(ValidationError, handle)
    echo_request_id_on_server_errors(app)
    return mapper


def echo_request_id_on_server_errors(app: Starlette) -> None:
    """Make the 500 response to an unhandled exception carry the request's id header.

    Starlette sends that response from ``ServerErrorMiddleware``, which sits outside
    every user middleware, so the response never passes through
    :class:`OpsgenContextMiddleware`. The handler Starlette gives that middleware (the
    app's handler for ``500`` or ``Exception``) is wrapped instead. It still builds the
    response, or Starlette's plain-text ``Internal Server Error`` when the app has none,
    and the wrapper adds the id of the context that the middleware or the FastAPI
    dependency stored in the request's state. With ``debug=True`` Starlette sends its
    traceback page without calling the handler, so that page carries no request id. A
    handler for ``500`` or ``Exception`` registered after this call replaces the wrapper.
    """
    keys: list[Any] = []
    previous: Callable[..., Any] | None = None
    for key, handler in app.exception_handlers.items():
        if key in (500, Exception):
            # Starlette uses the last of these keys in the dict's order.
            keys.append(key)
            previous = handler

    async def respond(request: Request, exc: Exception) -> Response:
        if previous is None:
            response: Response = PlainTextResponse("Internal Server Error", status_code=500)
        elif _is_coroutine_function(previous):
            response = await previous(request, exc)
        else:
            response = await run_in_threadpool(previous, request, exc)
        _set_request_id(request, response)
        return response

    for key in keys or [Exception]:
        app.add_exception_handler(key, respond)


def _set_request_id(request: Request, response: Response) -> None:
    ctx = getattr(request.state, STATE_KEY, None)
    if isinstance(ctx, Context) and ctx.request_id:
        header = getattr(request.state, HEADER_STATE_KEY, DEFAULT_REQUEST_ID_HEADER)
        response.headers[header] = ctx.request_id


def _is_coroutine_function(handler: object) -> bool:
    """Return whether calling ``handler`` returns a coroutine, which Starlette checks before it calls one."""
    while isinstance(handler, functools.partial):
        handler = handler.func
    return inspect.iscoroutinefunction(handler) or inspect.iscoroutinefunction(getattr(handler, "__call__", None))
