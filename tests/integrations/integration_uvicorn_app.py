"""A FastAPI application behind OpsgenContextMiddleware, for the uvicorn shutdown test.

The test runs it with ``uvicorn integration_uvicorn_app:app`` and the environment
variable ``OPSGEN_TEST_DATABASE_URL``. ``GET /notes/TEXT`` runs one transactional
operation, which gives the process its in-flight journal file.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel
from starlette.middleware import Middleware

from opsgen.integrations.starlette import OpsgenContextMiddleware
from opsgen.runtime.config import Settings
from opsgen.runtime.declarations import OperationDeclaration, TransactionDeclaration
from opsgen.runtime.execution import ExecutionContext
from opsgen.runtime.handle import OperationHandle
from opsgen.runtime.operation import Operation
from opsgen.runtime.runtime import Runtime


class NoteInput(BaseModel):
    text: str


class NoteOutput(BaseModel):
    text: str


DECLARATION = OperationDeclaration(
    "web.keep_note", 1, "", NoteInput, NoteOutput, transaction=TransactionDeclaration()
)


class KeepNote(Operation[NoteInput, NoteOutput]):
    declaration = DECLARATION

    def run(self, ctx: ExecutionContext, **inputs: Any) -> NoteOutput:
        return NoteOutput(text=inputs["text"])


runtime = Runtime(Settings(root=Path.cwd(), database_url=os.environ["OPSGEN_TEST_DATABASE_URL"]))
keep_note = OperationHandle(DECLARATION, KeepNote, runtime)
app = FastAPI(middleware=[Middleware(OpsgenContextMiddleware, actor=lambda request: "web")])


@app.get("/notes/{text}")
def note(text: str) -> dict[str, Any]:
    result = keep_note(None, text=text)
    return {"ok": result.ok, "pid": os.getpid()}
