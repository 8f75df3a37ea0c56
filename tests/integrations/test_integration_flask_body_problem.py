"""Flask views that read a JSON body respond to a body that is not JSON with a problem document.

``install_body_problem_handler`` turns the 415 and 400 errors of ``request.get_json()``
into ``application/problem+json`` and leaves every other 400 to the application's own
handlers. ``merged_input`` adds path parameters to a body without breaking the recorded
``invalid_input`` failure of a body that is not an object.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Blueprint, Flask, Request, abort, request
from generated_orders import generate_orders
from werkzeug.exceptions import HTTPException

from opsgen.integrations.flask import OpsgenFlask, install_body_problem_handler
from opsgen.integrations.web import merged_input
from opsgen.runtime.config import Settings
from opsgen.runtime.runtime import Runtime, configure, reset_runtime

HEADERS = {"X-User": "ann", "X-Request-ID": "req-flask-body"}


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


def orders_app(ops: Any, *, type_base: str | None = None, setup: Any = None) -> Flask:
    """Return a Flask app with the order views; ``setup(app)`` runs before the body handler is installed."""
    app = Flask(__name__)
    OpsgenFlask(app, registry=ops, actor=lambda request: request.headers.get("X-User"))

    @app.post("/orders")
    def create_order() -> dict[str, Any]:
        output = ops.orders.create_order.call_with(None, request.get_json()).unwrap()
        return {"order_ref": output.order_ref}

    @app.post("/customers/<customer>/orders")
    def create_customer_order(customer: str) -> dict[str, Any]:
        body = merged_input(request.get_json(), customer=customer)
        output = ops.orders.create_order.call_with(None, body).unwrap()
        return {"order_ref": output.order_ref}

    @app.post("/refunds")
    def refund() -> dict[str, Any]:
        abort(400, "refunds need a reason")

    if setup is not None:
        setup(app)
    install_body_problem_handler(app, type_base=type_base)
    return app


@pytest.mark.parametrize(
    ("content_type", "sent"),
    [("text/plain", "the request has Content-Type text/plain"),
     ("application/x-www-form-urlencoded", "the request has Content-Type application/x-www-form-urlencoded"),
     (None, "the request has no Content-Type")],
)
def test_non_json_content_type_gets_415_problem(
    runtime: Runtime, orders_ops: Any, content_type: str | None, sent: str
) -> None:
    client = orders_app(orders_ops).test_client()

    response = client.post("/orders", data="sku=A-1", headers=HEADERS, content_type=content_type)

    assert response.status_code == 415
    assert response.content_type == "application/problem+json"
    problem = response.get_json(force=True)
    assert problem == {
        "type": "about:blank",
        "title": "Unsupported Media Type",
        "status": 415,
        "detail": f"the request body must be JSON sent with Content-Type application/json, but {sent}",
        "code": "invalid_input",
        "instance": "/orders",
    }
    assert response.headers["X-Request-ID"] == "req-flask-body"
    assert runtime.store.list_executions(limit=5) == []


@pytest.mark.parametrize(
    ("data", "detail"),
    [('{"sku": "A-1",', "the request body is not valid JSON: Expecting property name enclosed in double quotes at line 1, column 15"),
     ("{'sku': 'A-1'}", "the request body is not valid JSON: Expecting property name enclosed in double quotes at line 1, column 2"),
     (b"\xff\xfe{", "the request body is not valid JSON: it is not UTF-8, UTF-16 or UTF-32 text"),
     ("", "the request body is empty; send a JSON object")],
    ids=["truncated", "single quotes", "not text", "empty"],
)
@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
def test_invalid_json_gets_400_problem(
    runtime: Runtime, orders_ops: Any, data: str | bytes, detail: str, debug: bool
) -> None:
    app = orders_app(orders_ops)
    app.debug = debug

    response = app.test_client().post("/orders", data=data, headers=HEADERS, content_type="application/json")

    assert response.status_code == 400
    assert response.content_type == "application/problem+json"
    problem = response.get_json(force=True)
    assert problem["title"] == "Bad Request"
    assert problem["status"] == 400
    assert problem["code"] == "invalid_input"
    assert problem["detail"] == detail
    assert problem["instance"] == "/orders"
    assert "execution_id" not in problem
    assert response.headers["X-Request-ID"] == "req-flask-body"
    assert runtime.store.list_executions(limit=5) == []


def test_body_problem_type_uses_type_base(runtime: Runtime, orders_ops: Any) -> None:
    client = orders_app(orders_ops, type_base="https://errors.example/").test_client()

    response = client.post("/orders", data="{", headers=HEADERS, content_type="application/json")

    problem = response.get_json(force=True)
    assert problem["type"] == "https://errors.example/invalid_input"
    assert problem["title"] == "Bad Request"


def test_own_bad_request_keeps_flask_page(runtime: Runtime, orders_ops: Any) -> None:
    client = orders_app(orders_ops).test_client()

    response = client.post("/refunds", headers=HEADERS)

    assert response.status_code == 400
    assert response.content_type == "text/html; charset=utf-8"
    assert b"refunds need a reason" in response.data


def test_own_bad_request_reaches_earlier_status_handler(runtime: Runtime, orders_ops: Any) -> None:
    def setup(app: Flask) -> None:
        app.register_error_handler(400, lambda error: ({"own": error.description}, 400))

    client = orders_app(orders_ops, setup=setup).test_client()

    own = client.post("/refunds", headers=HEADERS)
    body = client.post("/orders", data="{", headers=HEADERS, content_type="application/json")

    assert own.get_json() == {"own": "refunds need a reason"}
    assert body.content_type == "application/problem+json"


def test_own_bad_request_reaches_generic_handler(runtime: Runtime, orders_ops: Any) -> None:
    def setup(app: Flask) -> None:
        app.register_error_handler(HTTPException, lambda error: ({"generic": error.code}, error.code))

    client = orders_app(orders_ops, setup=setup).test_client()

    own = client.post("/refunds", headers=HEADERS)
    body = client.post("/orders", data="x", headers=HEADERS, content_type="text/plain")

    assert own.status_code == 400
    assert own.get_json() == {"generic": 400}
    assert body.status_code == 415
    assert body.content_type == "application/problem+json"


def test_application_request_class_is_kept() -> None:
    class AppRequest(Request):
        tenant = "north"

    app = Flask(__name__)
    app.request_class = AppRequest

    @app.post("/tenant")
    def tenant() -> dict[str, Any]:
        return {"tenant": request.tenant, "body": request.get_json()}  # type: ignore[attr-defined]

    install_body_problem_handler(app)
    install_body_problem_handler(app)
    client = app.test_client()

    assert client.post("/tenant", json={"a": 1}).get_json() == {"tenant": "north", "body": {"a": 1}}
    assert client.post("/tenant", data="{", content_type="application/json").content_type == "application/problem+json"
    assert app.request_class.__mro__.count(AppRequest) == 1
    assert len(app.request_class.__mro__) == len(AppRequest.__mro__) + 2


def blueprint_app(register_handler: Any) -> Flask:
    """Return an app whose blueprint has one view that reads JSON and one that aborts with 400."""
    blueprint = Blueprint("refunds", __name__)

    @blueprint.post("/refunds/json")
    def refund_json() -> dict[str, Any]:
        return {"body": request.get_json()}

    @blueprint.post("/refunds/abort")
    def refund_abort() -> dict[str, Any]:
        abort(400, "refunds need a reason")

    register_handler(blueprint)
    app = Flask(__name__)
    app.register_blueprint(blueprint)
    install_body_problem_handler(app)
    return app


def test_blueprint_generic_handler_gets_own_bad_request() -> None:
    def register(blueprint: Blueprint) -> None:
        blueprint.register_error_handler(HTTPException, lambda error: ({"blueprint": error.code}, error.code))

    client = blueprint_app(register).test_client()

    own = client.post("/refunds/abort")
    body = client.post("/refunds/json", data="x", content_type="text/plain")

    assert own.status_code == 400
    assert own.get_json() == {"blueprint": 400}
    assert body.status_code == 415
    assert body.content_type == "application/problem+json"


def test_blueprint_status_handler_gets_body_errors() -> None:
    def register(blueprint: Blueprint) -> None:
        blueprint.register_error_handler(415, lambda error: ({"blueprint": error.code}, 415))

    client = blueprint_app(register).test_client()

    body = client.post("/refunds/json", data="x", content_type="text/plain")

    assert body.status_code == 415
    assert body.get_json() == {"blueprint": 415}


@pytest.mark.parametrize("body", [["A-1", 2], "A-1"], ids=["list", "str"])
def test_path_parameter_with_non_object_body(runtime: Runtime, orders_ops: Any, body: Any) -> None:
    client = orders_app(orders_ops).test_client()

    response = client.post("/customers/c-9/orders", data=json.dumps(body), headers=HEADERS,
                           content_type="application/json")

    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    problem = response.get_json(force=True)
    assert problem["code"] == "invalid_input"
    assert f"the input must be an object (a mapping) with the fields sku, quantity, customer, not {type(body).__name__}" in problem["detail"]
    record = runtime.store.find_execution(problem["execution_id"])
    assert record is not None
    assert record["error_code"] == "invalid_input"
    assert record["input"] == body


def test_path_parameter_overrides_body_key(runtime: Runtime, orders_ops: Any) -> None:
    client = orders_app(orders_ops).test_client()

    response = client.post("/customers/c-9/orders", json={"sku": "A-1", "quantity": 2, "customer": "c-1"},
                           headers=HEADERS)

    assert response.status_code == 200
    assert response.get_json() == {"order_ref": "c-9/A-1x2"}


def test_merged_input_copies_mapping() -> None:
    body = {"sku": "A-1"}

    merged = merged_input(body, customer="c-9")

    assert merged == {"sku": "A-1", "customer": "c-9"}
    assert body == {"sku": "A-1"}


@pytest.mark.parametrize("body", [["A-1"], "A-1", 7, None])
def test_merged_input_returns_non_mapping_unchanged(body: Any) -> None:
    assert merged_input(body, customer="c-9") is body
