"""A lock backend that is down gives a 503 problem response on Starlette, FastAPI and Flask."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import Depends, FastAPI
from flask import Flask
from integration_ops import ops
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from opsgen.integrations.fastapi import context_dependency
from opsgen.integrations.flask import OpsgenFlask
from opsgen.integrations.starlette import OpsgenContextMiddleware, install_problem_handler
from opsgen.runtime.config import Settings
from opsgen.runtime.context import Context
from opsgen.runtime.runtime import Runtime, configure, reset_runtime


@pytest.fixture
def runtime(sqlite_url: str, closed_port: int) -> Iterator[Runtime]:
    """The default runtime, with its locks on a Redis port that nothing listens on."""
    settings = Settings(root=Path.cwd(), database_url=sqlite_url, lock_url=f"redis://127.0.0.1:{closed_port}/0")
    made = configure(Runtime(settings))
    made.ensure_schema()
    yield made
    reset_runtime()


def tally_body() -> dict[str, Any]:
    return ops.demo.tally(None, name="stock", items=3).unwrap().model_dump()


def starlette_app() -> Starlette:
    def tally(request: Request) -> JSONResponse:
        return JSONResponse(tally_body())

    app = Starlette(routes=[Route("/tally", tally)], middleware=[Middleware(OpsgenContextMiddleware)])
    install_problem_handler(app, ops)
    return app


def fastapi_app() -> FastAPI:
    app = FastAPI()
    opsgen_context = context_dependency()

    @app.get("/tally")
    def tally(ctx: Context = Depends(opsgen_context)) -> dict[str, Any]:
        return ops.demo.tally(ctx, name="stock", items=3).unwrap().model_dump()

    install_problem_handler(app, ops)
    return app


def flask_app() -> Flask:
    app = Flask(__name__)
    OpsgenFlask(app, registry=ops)
    app.get("/tally")(tally_body)
    return app


def assert_unavailable_problem(runtime: Runtime, status: int, content_type: str, problem: dict[str, Any]) -> None:
    assert status == 503
    assert content_type == "application/problem+json"
    assert problem["code"] == "lock_unavailable"
    assert problem["title"] == "Service Unavailable"
    record = runtime.store.find_execution(problem["execution_id"])
    assert record is not None
    assert record["status"] == "failed"
    assert record["error_code"] == "lock_unavailable"


def test_starlette_lock_backend_down(runtime: Runtime) -> None:
    response = TestClient(starlette_app(), raise_server_exceptions=False).get("/tally")

    assert_unavailable_problem(runtime, response.status_code, response.headers["content-type"], response.json())


def test_fastapi_lock_backend_down(runtime: Runtime) -> None:
    response = TestClient(fastapi_app(), raise_server_exceptions=False).get("/tally")

    assert_unavailable_problem(runtime, response.status_code, response.headers["content-type"], response.json())


def test_flask_lock_backend_down(runtime: Runtime) -> None:
    response = flask_app().test_client().get("/tally")

    assert response.json is not None
    assert_unavailable_problem(runtime, response.status_code, response.content_type, response.json)
