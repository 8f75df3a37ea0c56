"""Web entry points: context from the request, failures as problem+json, on Starlette, FastAPI and Flask."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import Depends, FastAPI
from flask import Flask, request
from integration_ops import app_metadata, notes, ops
from sqlalchemy import insert
from starlette.applications import Starlette
from starlette.authentication import AuthCredentials, AuthenticationBackend, SimpleUser
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from opsgen.integrations.background import QueuedCall, enqueue
from opsgen.integrations.fastapi import context_dependency
from opsgen.integrations.flask import OpsgenFlask
from opsgen.integrations.starlette import OpsgenContextMiddleware, install_problem_handler, request_context
from opsgen.runtime.config import Settings
from opsgen.runtime.context import Context, current_context
from opsgen.runtime.runtime import Runtime, configure, reset_runtime


@pytest.fixture
def runtime(sqlite_url: str) -> Iterator[Runtime]:
    from pathlib import Path

    made = configure(Runtime(Settings(root=Path.cwd(), database_url=sqlite_url)))
    made.ensure_schema()
    app_metadata.create_all(made.engine)
    with made.engine.begin() as connection:
        connection.execute(insert(notes).values(id=1, text="first note", actor="seed"))
    yield made
    reset_runtime()


class HeaderAuth(AuthenticationBackend):
    """Authenticates the user named in the X-User header."""

    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, SimpleUser] | None:
        name = conn.headers.get("X-User")
        return (AuthCredentials(["authenticated"]), SimpleUser(name)) if name else None


def user_name(request: Any) -> str | None:
    user = request.scope.get("user") if hasattr(request, "scope") else None
    return user.username if user is not None and user.is_authenticated else None


def find_note_endpoint(request: Request) -> JSONResponse:
    ctx = request_context(request)
    output = ops.demo.find_note(None, note_id=int(request.path_params["note_id"])).unwrap()
    return JSONResponse({"text": output.text, "actor": ctx.actor, "current_actor": current_context().actor,
                         "request_id": ctx.request_id})


def starlette_app() -> Starlette:
    app = Starlette(
        routes=[Route("/notes/{note_id:int}", find_note_endpoint)],
        middleware=[
            Middleware(AuthenticationMiddleware, backend=HeaderAuth()),
            Middleware(OpsgenContextMiddleware, actor=user_name),
        ],
    )
    install_problem_handler(app, ops)
    return app


def test_starlette_context_from_user_and_header(runtime: Runtime) -> None:
    client = TestClient(starlette_app())

    response = client.get("/notes/1", headers={"X-User": "alice", "X-Request-ID": "req-7"})

    assert response.status_code == 200
    assert response.json() == {"text": "first note", "actor": "alice", "current_actor": "alice", "request_id": "req-7"}
    assert response.headers["X-Request-ID"] == "req-7"
    execution = runtime.store.list_executions(limit=1)[0]
    assert execution["actor"] == "alice"
    assert execution["request_id"] == "req-7"


def test_starlette_fresh_request_id_when_header_unusable(runtime: Runtime) -> None:
    client = TestClient(starlette_app())

    response = client.get("/notes/1", headers={"X-Request-ID": "x" * 500})

    assert response.status_code == 200
    assert response.json()["actor"] is None
    assert len(response.json()["request_id"]) == 32
    assert response.headers["X-Request-ID"] == response.json()["request_id"]


def test_starlette_failure_is_problem_json(runtime: Runtime) -> None:
    client = TestClient(starlette_app())

    response = client.get("/notes/99", headers={"X-User": "bob"})

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 404
    assert problem["code"] == "not_found"
    assert problem["title"] == "Not Found"
    assert problem["detail"] == "No note has this id."
    assert problem["instance"] == "/notes/99"
    assert problem["details"] == {"note_id": 99}
    record = runtime.store.find_execution(problem["execution_id"])
    assert record is not None
    assert record["error_code"] == "not_found"
    assert record["actor"] == "bob"


def fastapi_app() -> FastAPI:
    app = FastAPI()
    opsgen_context = context_dependency(actor=lambda request: request.headers.get("X-User"))

    @app.get("/notes/{note_id}")
    def find_note(note_id: int, ctx: Context = Depends(opsgen_context)) -> dict[str, Any]:
        output = ops.demo.find_note(ctx, note_id=note_id).unwrap()
        return {"text": output.text, "actor": ctx.actor}

    @app.post("/notes")
    def record_note(body: dict[str, Any], ctx: Context = Depends(opsgen_context)) -> dict[str, Any]:
        return ops.demo.record_note(ctx, text=body.get("text")).unwrap().model_dump()

    @app.post("/queued-notes")
    def queue_note(body: dict[str, Any], ctx: Context = Depends(opsgen_context)) -> dict[str, Any]:
        return {"execution_id": ops.demo.record_note.enqueue_with(ctx, body)}

    install_problem_handler(app, ops, type_base="https://errors.example.com/")
    return app


def test_fastapi_dependency_builds_context(runtime: Runtime) -> None:
    client = TestClient(fastapi_app())

    response = client.get("/notes/1", headers={"X-User": "carol", "X-Request-ID": "req-9"})

    assert response.status_code == 200
    assert response.json() == {"text": "first note", "actor": "carol"}
    execution = runtime.store.list_executions(limit=1)[0]
    assert (execution["actor"], execution["request_id"]) == ("carol", "req-9")


def test_fastapi_dependency_echoes_request_id(runtime: Runtime) -> None:
    client = TestClient(fastapi_app())

    given = client.get("/notes/1", headers={"X-User": "carol", "X-Request-ID": "req-echo"})
    fresh = client.get("/notes/1", headers={"X-User": "carol"})
    fresh_record = runtime.store.list_executions(limit=1)[0]
    failed = client.get("/notes/42", headers={"X-User": "carol", "X-Request-ID": "req-missing"})

    assert given.headers["X-Request-ID"] == "req-echo"
    assert fresh.headers["X-Request-ID"] == fresh_record["request_id"]
    assert failed.status_code == 404
    assert failed.headers["X-Request-ID"] == "req-missing"


def test_fastapi_failures_map_to_problems(runtime: Runtime) -> None:
    client = TestClient(fastapi_app())

    missing = client.get("/notes/42", headers={"X-User": "carol"})
    invalid = client.post("/notes", json={"text": None}, headers={"X-User": "carol"})
    anonymous = client.post("/notes", json={"text": "who"})

    assert missing.status_code == 404
    assert missing.json()["type"] == "https://errors.example.com/not_found"
    assert missing.json()["title"] == "No note has this id."
    assert invalid.status_code == 422
    assert invalid.json()["code"] == "invalid_input"
    assert invalid.headers["content-type"] == "application/problem+json"
    assert anonymous.status_code == 401
    assert anonymous.json()["code"] == "missing_context"
    assert anonymous.json()["detail"] == "authentication required"
    record = runtime.store.find_execution(anonymous.json()["execution_id"])
    assert record is not None
    assert "use_context" in record["error_message"]


def flask_app() -> Flask:
    app = Flask(__name__)
    OpsgenFlask(app, registry=ops, actor=lambda request: request.headers.get("X-User"))

    @app.get("/notes/<int:note_id>")
    def find_note(note_id: int) -> dict[str, Any]:
        output = ops.demo.find_note(None, note_id=note_id).unwrap()
        return {"text": output.text, "actor": current_context().actor}

    @app.post("/queued-notes")
    def queue_note() -> dict[str, Any]:
        return {"execution_id": ops.demo.record_note.enqueue_with(None, request.get_json())}

    return app


@pytest.fixture
def queue(runtime: Runtime) -> list[QueuedCall]:
    """Calls that ``enqueue`` sends, kept in a list instead of a broker."""
    sent: list[QueuedCall] = []
    runtime.enqueuer = lambda handle, ctx, inputs: enqueue(handle, ctx, inputs, sent.append)
    return sent


def test_enqueue_without_the_actor_is_a_401_problem(runtime: Runtime, queue: list[QueuedCall]) -> None:
    fastapi = TestClient(fastapi_app())
    flask = flask_app().test_client()

    responses = [
        (fastapi.post("/queued-notes", json={"text": "anonymous"}), "fastapi"),
        (flask.post("/queued-notes", json={"text": "anonymous"}), "flask"),
    ]
    queued = fastapi.post("/queued-notes", json={"text": "signed"}, headers={"X-User": "erin"})

    for response, framework in responses:
        assert response.status_code == 401, framework
        assert response.headers["content-type"] == "application/problem+json", framework
        problem = response.json() if framework == "fastapi" else response.get_json()
        assert (problem["code"], problem["detail"], problem["execution_id"]) == (
            "missing_context", "authentication required", None
        ), framework
    assert queued.status_code == 200
    assert [call.execution_id for call in queue] == [queued.json()["execution_id"]]


def test_enqueue_of_invalid_input_is_a_422_problem(runtime: Runtime, queue: list[QueuedCall]) -> None:
    fastapi = TestClient(fastapi_app())
    flask = flask_app().test_client()
    signed = {"X-User": "erin"}

    responses = [
        (fastapi.post("/queued-notes", json={"text": 42}, headers=signed), "fastapi"),
        (flask.post("/queued-notes", json={"text": 42}, headers=signed), "flask"),
        (fastapi.post("/queued-notes", json={"txt": "typo"}, headers=signed), "fastapi"),
    ]

    for response, framework in responses:
        assert response.status_code == 422, framework
        assert response.headers["content-type"] == "application/problem+json", framework
        problem = response.json() if framework == "fastapi" else response.get_json()
        assert problem["code"] == "invalid_input", framework
        assert problem["execution_id"] is None, framework
        assert problem["detail"].startswith("invalid input for demo.record_note: "), framework
        assert all(set(error) == {"field", "message", "type"} for error in problem["details"]["errors"]), framework
    assert [error["field"] for error in responses[0][0].json()["details"]["errors"]] == ["text"]
    assert queue == []


def test_application_validation_error_stays_a_server_error(runtime: Runtime) -> None:
    app = fastapi_app()

    @app.get("/broken")
    def broken() -> dict[str, Any]:
        ops.demo.record_note.declaration.input_model.model_validate({})
        return {}

    response = TestClient(app, raise_server_exceptions=False).get("/broken")

    assert response.status_code == 500


def test_flask_context_and_problem(runtime: Runtime) -> None:
    client = flask_app().test_client()

    found = client.get("/notes/1", headers={"X-User": "dave", "X-Request-ID": "req-11"})
    missing = client.get("/notes/5", headers={"X-User": "dave"})

    assert found.status_code == 200
    assert found.get_json() == {"text": "first note", "actor": "dave"}
    assert found.headers["X-Request-ID"] == "req-11"
    assert missing.status_code == 404
    assert missing.content_type == "application/problem+json"
    assert missing.get_json()["code"] == "not_found"
    record = runtime.store.find_execution(missing.get_json()["execution_id"])
    assert record is not None
    assert record["actor"] == "dave"
    assert current_context().actor is None


def test_missing_context_detail_is_plain() -> None:
    from opsgen.integrations.problem import ProblemMapper
    from opsgen.runtime.result import Failure

    advice = "pass a Context with them, or call inside opsgen.runtime.context.use_context(...)"
    organization = Failure("missing_context", advice, "e-1", {"missing": ["organization"]})
    actor = Failure("missing_context", advice, "e-2", {"missing": ["organization", "actor"]})

    assert ProblemMapper().document(organization)["detail"] == "missing request context: organization"
    assert ProblemMapper().document(actor)["detail"] == "authentication required"
