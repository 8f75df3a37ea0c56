"""Flask: an extension that gives every request its context, and problem responses.

``OpsgenFlask(app, actor=lambda request: ...)`` builds a
:class:`~opsgen.runtime.context.Context` before each request, installs it as the
current context until the request is torn down (so ``ops.x(None, ...)`` and
``current_context()`` see it), keeps it in ``flask.g.opsgen_context``, echoes the
request id in the response, and answers an :class:`~opsgen.runtime.result.UnwrapError`
(raised by ``result.unwrap()`` on a failure) with ``application/problem+json``.
:func:`install_body_problem_handler` gives the same form to the 400 and 415 errors of
``request.get_json()``, for a body that is not JSON, before any operation runs.
"""

from __future__ import annotations

import json
import traceback
from collections.abc import Callable
from contextlib import AbstractContextManager
from http import HTTPStatus
from typing import Any

from flask import Flask, Request, Response, g, request
from werkzeug.exceptions import BadRequest, HTTPException, UnsupportedMediaType

from opsgen.integrations.problem import PROBLEM_CONTENT_TYPE, ProblemMapper, instance_reference
from opsgen.integrations.web import DEFAULT_REQUEST_ID_HEADER, ContextBuilder
from opsgen.runtime.context import Context, use_context
from opsgen.runtime.result import Failure, UnwrapError

FlaskHook = Callable[[Request], "str | None"]

#: The longest Content-Type a body problem's ``detail`` quotes; a longer one is cut.
MAX_QUOTED_CONTENT_TYPE = 100

#: How far the chain of a body error is followed to find the JSON decoder's error.
#: Flask chains it two deep (the BadRequest, Werkzeug's BadRequest, the decode error).
MAX_CHAINED_EXCEPTIONS = 5


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


def install_body_problem_handler(app: Flask, *, type_base: str | None = None) -> None:
    """Turn the 400 and 415 errors of ``request.get_json()`` into ``application/problem+json`` responses.

    Flask responds to a body sent without ``Content-Type: application/json`` with an
    HTML 415 page, and to a body that is not valid JSON with an HTML 400 page. With
    this handler both keep their status, and the response has the form of an
    operation's ``invalid_input`` problem: code ``invalid_input``, a ``detail`` that
    describes what is wrong with the body, and the request path as ``instance``. No
    operation ran, so it has no ``execution_id`` and the execution log has no record.

    Only errors raised while ``get_json`` reads the body are changed. Any other 400 or
    415 goes where it went before: to the application's handler for that status
    registered before this call, else to its handler for ``HTTPException`` or
    ``Exception``, else to Flask's own response. A handler for 400 or 415 registered
    after this call replaces this one. A blueprint's own handler for 400 or 415 comes
    before this one, as Flask tries a blueprint's handlers for a status first, so it
    still receives the body errors of that blueprint's views.
    """
    previous = {
        code: app.error_handler_spec[None].get(code, {}).get(exception)
        for code, exception in ((400, BadRequest), (415, UnsupportedMediaType))
    }

    def handle(error: HTTPException) -> Any:
        if not _raised_by_get_json(error):
            return _handle_as_before(app, previous.get(error.code or 0), error)
        status = error.code or 400
        document: dict[str, Any] = {
            "type": f"{type_base}invalid_input" if type_base else "about:blank",
            "title": HTTPStatus(status).phrase,
            "status": status,
            "detail": _body_problem_detail(error),
            "code": "invalid_input",
            "instance": instance_reference(request.path),
        }
        return Response(json.dumps(document), status=status, content_type=PROBLEM_CONTENT_TYPE)

    app.register_error_handler(BadRequest, handle)
    app.register_error_handler(UnsupportedMediaType, handle)


def _handle_as_before(app: Flask, earlier: Callable[[Any], Any] | None, error: HTTPException) -> Any:
    """Return what the application's handlers make of ``error`` without the body problem handler.

    Flask looks up handlers for the status in the blueprints and then the application
    before any handler for an exception class, so registering one for 400 and 415 hides
    the handlers for ``HTTPException`` or ``Exception``. They are looked up here in
    Flask's order: the request's blueprints, innermost first, then the application.
    """
    if earlier is not None:
        return earlier(error)
    for scope in (*request.blueprints, None):
        generic = app.error_handler_spec.get(scope, {}).get(None, {})
        for exception_class in type(error).__mro__:
            handler = generic.get(exception_class)
            if handler is not None:
                return handler(error)
    return error


def _raised_by_get_json(error: BaseException) -> bool:
    """Return whether ``error`` was raised by ``Request.on_json_loading_failed``.

    Werkzeug and Flask raise the body errors of ``get_json`` from that method, which is
    the documented place to change them, so its frame in the traceback marks them.
    """
    return any(frame.f_code.co_name == "on_json_loading_failed" for frame, _ in traceback.walk_tb(error.__traceback__))


def _body_problem_detail(error: HTTPException) -> str:
    """Return the ``detail`` of a body that ``get_json`` rejected, naming what is wrong with it."""
    if isinstance(error, UnsupportedMediaType):
        content_type = request.mimetype[:MAX_QUOTED_CONTENT_TYPE]
        sent = f"the request has Content-Type {content_type}" if content_type else "the request has no Content-Type"
        return f"the request body must be JSON sent with Content-Type application/json, but {sent}"
    if not request.get_data(cache=True):
        return "the request body is empty; send a JSON object"

    cause: BaseException | None = error
    for _ in range(MAX_CHAINED_EXCEPTIONS):
        if cause is None or isinstance(cause, ValueError):
            break
        cause = cause.__cause__ or cause.__context__
    if isinstance(cause, json.JSONDecodeError):
        return f"the request body is not valid JSON: {cause.msg} at line {cause.lineno}, column {cause.colno}"
    if isinstance(cause, UnicodeDecodeError):
        return "the request body is not valid JSON: it is not UTF-8, UTF-16 or UTF-32 text"
    return "the request body is not valid JSON"
