"""FastAPI's own request validation errors as ``application/problem+json``, like an operation's invalid_input."""

from __future__ import annotations

from fastapi import FastAPI
from pydantic import BaseModel
from starlette.middleware import Middleware
from starlette.testclient import TestClient

from opsgen.integrations.fastapi import install_validation_problem_handler
from opsgen.integrations.starlette import OpsgenContextMiddleware


class Order(BaseModel):
    sku: str
    quantity: int


def _client(*, install: bool) -> TestClient:
    app = FastAPI(middleware=[Middleware(OpsgenContextMiddleware)])

    @app.post("/orders/{shop_id}")
    def place(shop_id: int, order: Order) -> dict[str, object]:
        return {"shop_id": shop_id, "sku": order.sku}

    if install:
        install_validation_problem_handler(app, type_base="https://errors.example.com/")
    return TestClient(app)


def test_rejected_body_and_parameter_answer_a_problem_document() -> None:
    client = _client(install=True)

    response = client.post("/orders/abc", json={"sku": "A-1", "quantity": "many"}, headers={"X-Request-ID": "req-v1"})

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["X-Request-ID"] == "req-v1"
    document = response.json()
    assert document["code"] == "invalid_input"
    assert document["type"] == "https://errors.example.com/invalid_input"
    assert document["instance"] == "/orders/abc"
    assert "execution_id" not in document
    fields = {error["field"] for error in document["details"]["errors"]}
    assert fields == {"path.shop_id", "body.quantity"}
    assert "many" not in response.text  # the value sent is not echoed


def test_without_the_handler_fastapi_keeps_its_own_form() -> None:
    response = _client(install=False).post("/orders/1", json=["not", "an", "object"])

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/json"
    assert "detail" in response.json()
