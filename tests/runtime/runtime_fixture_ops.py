"""Hand-written operations in the shape the generator produces, for the runtime tests.

Each operation has pydantic input and output models, a ``DECLARATION``, a base class
with the typed ``run`` signature, an implementation, and a handle. ``items`` is the
application table the operations write to.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, text

from opsgen.runtime.config import Settings
from opsgen.runtime.declarations import (
    EffectDeclaration,
    ErrorDeclaration,
    OperationDeclaration,
    RetryPolicy,
    TransactionDeclaration,
)
from opsgen.runtime.execution import ExecutionContext
from opsgen.runtime.handle import OperationHandle
from opsgen.runtime.operation import Operation
from opsgen.runtime.result import OperationFailed
from opsgen.runtime.runtime import Runtime

app_metadata = MetaData()
items = Table(
    "items",
    app_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False),
    Column("level", Integer, nullable=False, default=0),
)


# users.register: no transaction, a sensitive input, context requirements.


class RegisterInput(BaseModel):
    email: str
    password: str


class RegisterOutput(BaseModel):
    user: str


REGISTER = OperationDeclaration(
    name="users.register",
    version=1,
    description="Register a user.",
    input_model=RegisterInput,
    output_model=RegisterOutput,
    errors=(ErrorDeclaration("email_taken", "The email is taken."),),
    context_requires=("actor",),
    sensitive_fields=frozenset({"password"}),
)


class RegisterBase(Operation[RegisterInput, RegisterOutput]):
    declaration = REGISTER

    def run(self, ctx: ExecutionContext, *, email: str, password: str) -> RegisterOutput:  # type: ignore[override]
        raise NotImplementedError


class Register(RegisterBase):
    def run(self, ctx: ExecutionContext, *, email: str, password: str) -> RegisterOutput:  # type: ignore[override]
        logging.getLogger("myapp.users").info("registering %s with password %s", email, password)
        if email == "taken@example.com":
            raise OperationFailed("email_taken", "The email is taken.", {"email": email, "password": password})
        if email == "crash@example.com":
            raise RuntimeError(f"boom while hashing {password}")
        return RegisterOutput(user=email)


register = OperationHandle(REGISTER, Register)


# shop.create_item: one transactional insert, effects, nested calls.


class CreateItemInput(BaseModel):
    name: str
    fail: bool = False
    email_to: str | None = None
    durable_to: str | None = None


class CreateItemOutput(BaseModel):
    id: int


CREATE_ITEM = OperationDeclaration(
    name="shop.create_item",
    version=1,
    description="Insert one item.",
    input_model=CreateItemInput,
    output_model=CreateItemOutput,
    transaction=TransactionDeclaration(),
    effects=(
        EffectDeclaration("notify", "email", retry=RetryPolicy(max_attempts=2, backoff=0.0)),
        EffectDeclaration("publish_item", "publish", durable=True, retry=RetryPolicy(max_attempts=3, backoff=0.0)),
    ),
)


class CreateItem(Operation[CreateItemInput, CreateItemOutput]):
    declaration = CREATE_ITEM

    def run(  # type: ignore[override]
        self, ctx: ExecutionContext, *, name: str, fail: bool, email_to: str | None, durable_to: str | None
    ) -> CreateItemOutput:
        new_id = ctx.session.execute(insert(items).values(name=name, level=0)).inserted_primary_key[0]
        if email_to:
            ctx.effect("notify", {"to": email_to, "item": name})
        if durable_to:
            ctx.effect("publish_item", {"to": durable_to, "item": name})
        if fail:
            raise OperationFailed("forced", "forced failure")
        return CreateItemOutput(id=new_id)


create_item = OperationHandle(CREATE_ITEM, CreateItem)


# nest.level1..3: three levels, each inserts a row, calls the next, may fail.


class LevelInput(BaseModel):
    level: int
    fail_at: int = 0
    carry_on: bool = False
    notify: bool = False


class LevelOutput(BaseModel):
    level: int


def nested_handles(policy2: str, policy3: str) -> list[OperationHandle[LevelInput, LevelOutput]]:
    """Return handles of three nested operations; levels 2 and 3 use the given nesting policies."""
    handles: list[OperationHandle[LevelInput, LevelOutput]] = []
    policies = {1: "join", 2: policy2, 3: policy3}

    for level in (1, 2, 3):
        declaration = OperationDeclaration(
            name=f"nest.level{level}",
            version=1,
            description=f"Level {level} of a nested call.",
            input_model=LevelInput,
            output_model=LevelOutput,
            transaction=TransactionDeclaration(nested=policies[level]),  # type: ignore[arg-type]
            effects=(EffectDeclaration("note", "custom", retry=RetryPolicy(max_attempts=1, backoff=0.0)),),
        )

        class Level(Operation[LevelInput, LevelOutput]):
            def run(self, ctx: ExecutionContext, **inputs: Any) -> LevelOutput:
                level_no: int = inputs["level"]
                ctx.session.execute(insert(items).values(name=f"level{level_no}", level=level_no))
                if inputs["notify"]:
                    ctx.effect("note", {"level": level_no})
                if level_no < 3:
                    child = handles[level_no](ctx, **{**inputs, "level": level_no + 1})
                    if not inputs["carry_on"]:
                        child.unwrap()
                if inputs["fail_at"] == level_no:
                    raise OperationFailed("forced", f"level {level_no} fails")
                return LevelOutput(level=level_no)

        Level.declaration = declaration
        handles.append(OperationHandle(declaration, Level))
    return handles


# misc.echo: the cheapest possible operation, for overhead measurements.


class EchoInput(BaseModel):
    value: int


class EchoOutput(BaseModel):
    value: int


ECHO = OperationDeclaration(
    name="misc.echo",
    version=1,
    description="Return the input.",
    input_model=EchoInput,
    output_model=EchoOutput,
)


class Echo(Operation[EchoInput, EchoOutput]):
    declaration = ECHO

    def run(self, ctx: ExecutionContext, *, value: int) -> EchoOutput:  # type: ignore[override]
        return EchoOutput(value=value)


echo = OperationHandle(ECHO, Echo)


def make_runtime(url: str, **kwargs: object) -> Runtime:
    """Build a runtime on ``url`` with fresh opsgen tables and an empty ``items`` table."""
    runtime = Runtime(Settings(root=Path.cwd(), database_url=url), **kwargs)  # type: ignore[arg-type]
    runtime.ensure_schema()
    app_metadata.create_all(runtime.engine)
    with runtime.engine.begin() as connection:
        connection.execute(text("DELETE FROM items"))
        connection.execute(text("DELETE FROM opsgen_effects"))
        connection.execute(text("DELETE FROM opsgen_executions"))
    return runtime
