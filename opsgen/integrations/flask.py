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
from collections.abc import Callable
from contextlib import AbstractContextManager
from http import HTTPStatus
from typing import Any

from flask import Flask, Request, Response, g, request
from pydantic import ValidationError
from werkzeug.exceptions import BadRequest, HTTPException, UnsupportedMediaType

from opsgen.integrations.problem import (
    PROBLEM_CONTENT_TYPE,
    ProblemMapper,
    instance_reference,
    refused_enqueue,
    rejected_enqueue,
)
from opsgen.integrations.web import DEFAULT_REQUEST_ID_HEADER, ContextBuilder
from opsgen.runtime.context import Context, use_context
from opsgen.runtime.errors import MissingContextError
from opsgen.runtime.result import Failure, UnwrapError

FlaskHook = Callable[[Request], "str | None"]

#: The longest Content-Type a body problem's ``detail`` quotes; a longer one is cut.
MAX_QUOTED_CONTENT_TYPE = 100

#: How far the chain of a body error is followed to find the JSON decoder's error,
#: which :class:`BodyJSONInvalid` carries as its cause.
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
        app.register_error_handler(MissingContextError, self._refused)
        app.register_error_handler(ValidationError, self._rejected)
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

    def _refused(self, error: MissingContextError) -> Response:
        return problem_response(refused_enqueue(error), self.mapper)

    def _rejected(self, error: ValidationError) -> Response:
        rejected = rejected_enqueue(error)
        if rejected is None:
            raise error  # the application's own error: Flask handles it like any other
        return problem_response(rejected, self.mapper)


def request_context() -> Context:
    """Return the current request's context; raise ``LookupError`` without the extension."""
    ctx: Any = g.get("opsgen_context")
    if not isinstance(ctx, Context):
        raise LookupError("no opsgen context on this request; install OpsgenFlask on the application")
    return ctx


class BodyNotJSON(UnsupportedMediaType):
    """``request.get_json()`` found a body sent without ``Content-Type: application/json``."""


class BodyJSONInvalid(BadRequest):
    """``request.get_json()`` found a body that is not valid JSON."""


class _BodyErrorsRequest(Request):
    """The request class that :func:`install_body_problem_handler` puts in front of the application's."""

    def on_json_loading_failed(self, e: ValueError | None) -> Any:
        """Raise the body errors of ``get_json`` as their own classes, so a handler for them gets no other 400 or 415."""
        if e is None:
            raise BodyNotJSON()
        raise BodyJSONInvalid() from e


def install_body_problem_handler(app: Flask, *, type_base: str | None = None) -> None:
    """Turn the 400 and 415 errors of ``request.get_json()`` into ``application/problem+json`` responses.

    Flask responds to a body sent without ``Content-Type: application/json`` with an
    HTML 415 page, and to a body that is not valid JSON with an HTML 400 page. With
    this handler both keep their status, and the response has the form of an
    operation's ``invalid_input`` problem: code ``invalid_input``, a ``detail`` that
    describes what is wrong with the body, and the request path as ``instance``. No
    operation ran, so it has no ``execution_id`` and the execution log has no record.

    The application's request class gets an ``on_json_loading_failed``, Flask's place to
    change these errors, that raises them as :class:`BodyNotJSON` and
    :class:`BodyJSONInvalid`, and the handler is registered for those two classes only.
    So any other 400 or 415 goes where it went before, and Flask's own order of handlers
    applies: a blueprint's handler for the status comes first, and it still receives the
    body errors of that blueprint's views.
    """
    if not issubclass(app.request_class, _BodyErrorsRequest):
        app.request_class = type("OpsgenRequest", (_BodyErrorsRequest, app.request_class), {})

    def handle(error: HTTPException) -> Response:
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

    app.register_error_handler(BodyNotJSON, handle)
    app.register_error_handler(BodyJSONInvalid, handle)


def _body_problem_detail(error: HTTPException) -> str:
    """Return the ``detail`` of a body that ``get_json`` rejected, naming what is wrong with it."""
    if isinstance(error, BodyNotJSON):
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
