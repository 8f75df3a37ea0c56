"""Web handlers that pass a request body to a generated handle, and 500 responses' request ids.

``handle.call_with(ctx, body)`` must turn a missing or extra key, and a body that is
JSON but not an object, into the recorded ``invalid_input`` failure and a 422 problem
response on Starlette, FastAPI and Flask.
An exception that no handler catches must still get a response with the request id.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import Body, Depends, FastAPI
from flask import Flask, request as flask_request
from generated_orders import generate_orders
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from opsgen.integrations.fastapi import context_dependency
from opsgen.integrations.flask import OpsgenFlask
from opsgen.integrations.starlette import OpsgenContextMiddleware, install_problem_handler
from opsgen.runtime.config import Settings
from opsgen.runtime.context import Context
from opsgen.runtime.runtime import Runtime, configure, reset_runtime

MISSING_KEYS = {"sku": "A-1"}
EXTRA_KEY = {"sku": "A-1", "quantity": 2, "customer": "c-9", "colour": "red"}
VALID = {"sku": "A-1", "quantity": 2, "customer": "c-9"}


@pytest.fixture(scope="module")
def orders_ops(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with generate_orders(tmp_path_factory.mktemp("orders")) as ops:
        yield ops


@pytest.fixture
def runtime(sqlite_url: str) -> Iterator[Runtime]:
    created = configure(Runtime(Settings(root=Path.cwd(), database_url=sqlite_url)))
    created.ensure_schema()
    yield created
    reset_runtime()
    created.dispose()


def fastapi_app(ops: Any) -> FastAPI:
    app = FastAPI()
    opsgen_context = context_dependency(actor=lambda request: request.headers.get("X-User"))

    @app.post("/orders")
    def create_order(body: dict[str, Any], ctx: Context = Depends(opsgen_context)) -> dict[str, Any]:
        output = ops.orders.create_order.call_with(ctx, body).unwrap()
        return {"order_ref": output.order_ref}

    @app.post("/orders/any-body")
    def create_order_any_body(body: Any = Body(), ctx: Context = Depends(opsgen_context)) -> dict[str, Any]:
        output = ops.orders.create_order.call_with(ctx, body).unwrap()
        return {"order_ref": output.order_ref}

    @app.get("/crash")
    def crash(ctx: Context = Depends(opsgen_context)) -> dict[str, Any]:
        raise RuntimeError("the endpoint has a bug")

    install_problem_handler(app, ops)
    return app


def starlette_app(ops: Any, server_error_handler: Any = None) -> Starlette:
    async def create_order(request: Request) -> JSONResponse:
        output = ops.orders.create_order.call_with(None, await request.json()).unwrap()
        return JSONResponse({"order_ref": output.order_ref})

    async def crash(request: Request) -> JSONResponse:
        raise RuntimeError("the endpoint has a bug")

    app = Starlette(
        routes=[Route("/orders", create_order, methods=["POST"]), Route("/crash", crash)],
        middleware=[Middleware(OpsgenContextMiddleware, actor=lambda request: request.headers.get("X-User"))],
        exception_handlers={500: server_error_handler} if server_error_handler else None,
    )
    install_problem_handler(app, ops)
    return app


def flask_app(ops: Any) -> Flask:
    app = Flask(__name__)
    OpsgenFlask(app, registry=ops, actor=lambda request: request.headers.get("X-User"))

    @app.post("/orders")
    def create_order() -> dict[str, Any]:
        output = ops.orders.create_order.call_with(None, flask_request.get_json()).unwrap()
        return {"order_ref": output.order_ref}

    return app


def post_order(framework: str, ops: Any, body: Any, path: str = "/orders") -> tuple[int, str, dict[str, Any], str | None]:
    """POST ``body`` as JSON to the framework's ``path``; return status, content type, JSON and request id header."""
    headers = {"X-User": "ann", "X-Request-ID": "req-body", "Content-Type": "application/json"}
    # Encoded here, because the clients' json= arguments send no body at all for None.
    content = json.dumps(body)
    if framework == "flask":
        flask_response = flask_app(ops).test_client().post(path, data=content, headers=headers)
        return (flask_response.status_code, flask_response.content_type, flask_response.get_json(),
                flask_response.headers.get("X-Request-ID"))
    app = fastapi_app(ops) if framework == "fastapi" else starlette_app(ops)
    response = TestClient(app).post(path, content=content, headers=headers)
    return response.status_code, response.headers["content-type"], response.json(), response.headers.get("X-Request-ID")


@pytest.mark.parametrize("framework", ["fastapi", "starlette", "flask"])
@pytest.mark.parametrize(("body", "field"), [(MISSING_KEYS, "quantity: Field required"),
                                              (MISSING_KEYS, "customer: Field required"),
                                              (EXTRA_KEY, "colour: Extra inputs are not permitted")])
def test_call_with_body_keys_problem(
    runtime: Runtime, orders_ops: Any, framework: str, body: dict[str, Any], field: str
) -> None:
    status, content_type, problem, request_id = post_order(framework, orders_ops, body)

    assert status == 422
    assert content_type == "application/problem+json"
    assert problem["code"] == "invalid_input"
    assert request_id == "req-body"
    assert field in problem["detail"]
    record = runtime.store.find_execution(problem["execution_id"])
    assert record is not None
    assert record["operation"] == "orders.create_order"
    assert record["error_code"] == "invalid_input"
    assert (record["actor"], record["request_id"]) == ("ann", "req-body")


def test_call_with_valid_body_succeeds(runtime: Runtime, orders_ops: Any) -> None:
    client = TestClient(fastapi_app(orders_ops))

    response = client.post("/orders", json=VALID, headers={"X-User": "ann"})

    assert response.status_code == 200
    assert response.json() == {"order_ref": "c-9/A-1x2"}
    record = runtime.store.list_executions(limit=1)[0]
    assert (record["operation"], record["status"], record["actor"]) == ("orders.create_order", "succeeded", "ann")


@pytest.mark.parametrize(("framework", "path"), [("fastapi", "/orders/any-body"), ("starlette", "/orders"),
                                              ("flask", "/orders")])
@pytest.mark.parametrize("body", [["A-1", 2, "c-9"], "A-1", 7, None], ids=["list", "str", "int", "null"])
def test_non_object_body_problem(runtime: Runtime, orders_ops: Any, framework: str, path: str, body: Any) -> None:
    status, content_type, problem, request_id = post_order(framework, orders_ops, body, path)

    expected = f"the input must be an object (a mapping) with the fields sku, quantity, customer, not {type(body).__name__}"
    assert status == 422
    assert content_type == "application/problem+json"
    assert problem["code"] == "invalid_input"
    assert problem["detail"] == f"invalid input for orders.create_order: {expected}"
    assert problem["details"] == {"errors": [{"field": "", "message": expected, "type": "model_type"}]}
    assert request_id == "req-body"
    record = runtime.store.find_execution(problem["execution_id"])
    assert record is not None
    assert record["operation"] == "orders.create_order"
    assert record["error_code"] == "invalid_input"
    assert record["input"] == body
    assert (record["actor"], record["request_id"]) == ("ann", "req-body")


def test_fastapi_server_error_echoes_request_id(runtime: Runtime, orders_ops: Any) -> None:
    client = TestClient(fastapi_app(orders_ops), raise_server_exceptions=False)

    with_header = client.get("/crash", headers={"X-Request-ID": "req-crash"})
    without_header = client.get("/crash")

    assert with_header.status_code == 500
    assert with_header.text == "Internal Server Error"
    assert with_header.headers["X-Request-ID"] == "req-crash"
    assert without_header.status_code == 500
    assert len(without_header.headers["X-Request-ID"]) == 32


def test_starlette_server_error_echoes_request_id(runtime: Runtime, orders_ops: Any) -> None:
    client = TestClient(starlette_app(orders_ops), raise_server_exceptions=False)

    response = client.get("/crash", headers={"X-Request-ID": "req-crash"})

    assert response.status_code == 500
    assert response.text == "Internal Server Error"
    assert response.headers["X-Request-ID"] == "req-crash"


def test_server_error_keeps_app_handler(runtime: Runtime, orders_ops: Any) -> None:
    def own_handler(request: Request, exc: Exception) -> Response:
        return JSONResponse({"error": type(exc).__name__}, status_code=503)

    client = TestClient(starlette_app(orders_ops, own_handler), raise_server_exceptions=False)

    response = client.get("/crash", headers={"X-Request-ID": "req-own"})

    assert response.status_code == 503
    assert response.json() == {"error": "RuntimeError"}
    assert response.headers["X-Request-ID"] == "req-own"
