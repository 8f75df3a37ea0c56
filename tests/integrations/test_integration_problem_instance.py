"""The ``instance`` member of problem responses is a percent-encoded URI reference (RFC 9457)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from flask import Flask
from integration_ops import app_metadata, ops
from starlette.testclient import TestClient

from opsgen.integrations.flask import OpsgenFlask
from opsgen.integrations.problem import instance_reference
from opsgen.integrations.starlette import install_problem_handler
from opsgen.runtime.config import Settings
from opsgen.runtime.runtime import Runtime, configure, reset_runtime


@pytest.fixture
def runtime(sqlite_url: str) -> Iterator[Runtime]:
    made = configure(Runtime(Settings(root=Path.cwd(), database_url=sqlite_url)))
    made.ensure_schema()
    app_metadata.create_all(made.engine)
    yield made
    reset_runtime()


def test_fastapi_instance_percent_encoded(runtime: Runtime) -> None:
    app = FastAPI()

    @app.get("/orders/{sku}")
    def find_order(sku: str) -> dict[str, Any]:
        ops.demo.find_note(None, note_id=404).unwrap()
        return {}

    install_problem_handler(app, ops)
    client = TestClient(app)

    response = client.get("/orders/bad%20sku%25%C3%A9%3F")

    assert response.status_code == 404
    assert response.json()["instance"] == "/orders/bad%20sku%25%C3%A9%3F"


def test_flask_instance_percent_encoded(runtime: Runtime) -> None:
    app = Flask(__name__)
    OpsgenFlask(app, registry=ops)

    @app.get("/orders/<sku>")
    def find_order(sku: str) -> dict[str, Any]:
        ops.demo.find_note(None, note_id=404).unwrap()
        return {}

    response = app.test_client().get("/orders/bad%20sku")

    assert response.status_code == 404
    assert response.get_json()["instance"] == "/orders/bad%20sku"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/orders/bad sku", "/orders/bad%20sku"),
        ("/discount/50%", "/discount/50%25"),
        ("/caf\u00e9", "/caf%C3%A9"),
        ("/a?b#c", "/a%3Fb%23c"),
        ("/a\"<b>", "/a%22%3Cb%3E"),
        ("/keep/-._~!$&'()*+,;=:@", "/keep/-._~!$&'()*+,;=:@"),
    ],
)
def test_instance_reference_encodes(path: str, expected: str) -> None:
    assert instance_reference(path) == expected
