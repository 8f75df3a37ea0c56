"""A nested operation's declared changes count as expected in the outermost transaction it runs in."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from audit_support import AuditDatabase
from opsgen.audit import AuditConfig, AuditedEntity, history, install, install_entity, unexpected_changes
from opsgen.runtime.config import Settings
from opsgen.runtime.context import Context
from opsgen.runtime.declarations import OperationDeclaration, TransactionDeclaration
from opsgen.runtime.execution import ExecutionContext
from opsgen.runtime.handle import OperationHandle
from opsgen.runtime.operation import Operation
from opsgen.runtime.result import OperationFailed, Success
from opsgen.runtime.runtime import Runtime


class Base(DeclarativeBase):
    pass


class Order(Base):
    __tablename__ = "trial_orders"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seats: Mapped[int] = mapped_column(default=0)


class Event(Base):
    __tablename__ = "trial_events"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    free_seats: Mapped[int]


orders = Order.__table__
events = Event.__table__

CONFIG = AuditConfig.of(
    AuditedEntity(name="order", table="trial_orders"),
    AuditedEntity(name="event", table="trial_events"),
)


class SeatInput(BaseModel):
    order_id: int = 1
    event_id: int = 1
    seats: int = 2


class SeatOutput(BaseModel):
    order_id: int


def declaration(name: str, changes: tuple[str, ...], nested: str = "join") -> OperationDeclaration:
    return OperationDeclaration(
        name=name,
        version=1,
        description=name,
        input_model=SeatInput,
        output_model=SeatOutput,
        transaction=TransactionDeclaration(nested=nested),  # type: ignore[arg-type]
        audit_changes=changes,
    )


def operation(
    name: str, changes: tuple[str, ...], body: Callable[[ExecutionContext, SeatInput], None], nested: str = "join"
) -> OperationHandle[SeatInput, SeatOutput]:
    """Build a handle whose ``run`` calls ``body`` with the validated input."""

    class Body(Operation[SeatInput, SeatOutput]):
        def run(self, ctx: ExecutionContext, **inputs: Any) -> SeatOutput:  # type: ignore[override]
            values = SeatInput(**inputs)
            body(ctx, values)
            return SeatOutput(order_id=values.order_id)

    Body.declaration = declaration(name, changes, nested)
    return OperationHandle(Body.declaration, Body)


def take_seats_core(ctx: ExecutionContext, values: SeatInput) -> None:
    ctx.session.execute(
        events.update().where(events.c.id == values.event_id).values(free_seats=events.c.free_seats - values.seats)
    )
    ctx.session.execute(orders.update().where(orders.c.id == values.order_id).values(seats=values.seats))


def take_seats_orm(ctx: ExecutionContext, values: SeatInput) -> None:
    # The ORM flushes these changes only later, while the outer operation runs.
    event = ctx.session.get(Event, values.event_id)
    order = ctx.session.get(Order, values.order_id)
    assert event is not None and order is not None
    event.free_seats -= values.seats
    order.seats = values.seats


def reserve_seats(body: Callable[[ExecutionContext, SeatInput], None], nested: str = "join") -> OperationHandle[SeatInput, SeatOutput]:
    return operation("orders.reserve_seats", ("order", "event"), body, nested)


def create_order(
    nested: OperationHandle[SeatInput, SeatOutput], *, before: Callable[[ExecutionContext, SeatInput], None] | None = None
) -> OperationHandle[SeatInput, SeatOutput]:
    def body(ctx: ExecutionContext, values: SeatInput) -> None:
        ctx.session.execute(orders.insert().values(id=values.order_id, seats=0))
        if before is not None:
            before(ctx, values)
        result = nested(ctx, **values.model_dump())
        assert isinstance(result, Success), result

    return operation("orders.create_order", ("order",), body)


def make_runtime(database: AuditDatabase, *, log_enabled: bool = True) -> Runtime:
    with database.engine.begin() as connection:
        Base.metadata.create_all(connection)
        connection.execute(events.insert().values(id=1, free_seats=100))
        for entity in CONFIG.entities.values():
            install_entity(connection, entity)
    runtime = Runtime(Settings(root=Path.cwd(), database_url=database.url), engine=database.engine, log_enabled=log_enabled)
    runtime.ensure_schema()
    install(runtime, CONFIG)
    return runtime


def call(runtime: Runtime, handle: OperationHandle[SeatInput, SeatOutput]) -> str:
    result = handle.bind(runtime)(Context(actor="alice"), order_id=1, event_id=1, seats=2)
    assert isinstance(result, Success), result
    return str(result.execution_id)


def latest_event_change(database: AuditDatabase) -> Any:
    with database.engine.connect() as connection:
        return history(connection, "event", 1, limit=1)[0]


def unexpected(database: AuditDatabase) -> list[tuple[str, str, int]]:
    with database.engine.connect() as connection:
        return [(v.entity, v.entity_id, v.version) for v in unexpected_changes(connection)]


@pytest.mark.parametrize("nested", ["join", "savepoint"])
def test_nested_declared_change_expected(audit_db: AuditDatabase, nested: str) -> None:
    runtime = make_runtime(audit_db)

    outer_id = call(runtime, create_order(reserve_seats(take_seats_core, nested)))

    change = latest_event_change(audit_db)
    assert change.execution_id == outer_id
    assert change.operation == "orders.create_order"
    assert change.changes == {"free_seats": [100, 98]}
    assert change.unexpected is False
    assert unexpected(audit_db) == []


def test_nested_orm_flush_expected(audit_db: AuditDatabase) -> None:
    runtime = make_runtime(audit_db)

    call(runtime, create_order(reserve_seats(take_seats_orm)))

    change = latest_event_change(audit_db)
    assert change.changes == {"free_seats": [100, 98]}
    assert change.unexpected is False
    assert unexpected(audit_db) == []


def test_nested_declared_change_without_log(audit_db: AuditDatabase) -> None:
    runtime = make_runtime(audit_db, log_enabled=False)

    call(runtime, create_order(reserve_seats(take_seats_core)))

    assert latest_event_change(audit_db).unexpected is False
    assert unexpected(audit_db) == []


def test_outer_change_before_nested_call_unexpected(audit_db: AuditDatabase) -> None:
    runtime = make_runtime(audit_db)

    def outer_takes_seat(ctx: ExecutionContext, values: SeatInput) -> None:
        ctx.session.execute(events.update().where(events.c.id == values.event_id).values(free_seats=99))

    call(runtime, create_order(reserve_seats(take_seats_core), before=outer_takes_seat))

    assert unexpected(audit_db) == [("event", "1", 1)]
    assert latest_event_change(audit_db).unexpected is False


def test_declarations_survive_savepoint_rollback(audit_db: AuditDatabase) -> None:
    runtime = make_runtime(audit_db)
    reserve = reserve_seats(take_seats_core)

    def hold_then_fail(ctx: ExecutionContext, values: SeatInput) -> None:
        # This statement opens the savepoint, so the reservation's entities are written inside it.
        ctx.session.execute(orders.update().where(orders.c.id == values.order_id).values(seats=1))
        assert isinstance(reserve(ctx, **values.model_dump()), Success)
        raise OperationFailed("sold_out", "the hold was released")

    hold = operation("orders.hold_seats", ("order",), hold_then_fail, nested="savepoint")

    def hold_first(ctx: ExecutionContext, values: SeatInput) -> None:
        # The hold's savepoint rolls back, with the expected list written inside it.
        assert not isinstance(hold(ctx, **values.model_dump()), Success)

    call(runtime, create_order(reserve, before=hold_first))

    change = latest_event_change(audit_db)
    assert change.version == 1
    assert change.changes == {"free_seats": [100, 98]}
    assert change.unexpected is False
    assert unexpected(audit_db) == []


def test_nested_change_to_loaded_object_expected(audit_db: AuditDatabase) -> None:
    runtime = make_runtime(audit_db)

    def outer_loads(ctx: ExecutionContext, values: SeatInput) -> None:
        # The nested call then finds both objects in the session and runs no query of its own.
        assert ctx.session.get(Event, values.event_id) is not None
        assert ctx.session.get(Order, values.order_id) is not None

    call(runtime, create_order(reserve_seats(take_seats_orm), before=outer_loads))

    change = latest_event_change(audit_db)
    assert change.changes == {"free_seats": [100, 98]}
    assert change.unexpected is False
    assert unexpected(audit_db) == []


def test_undeclared_nested_change_still_unexpected(audit_db: AuditDatabase) -> None:
    runtime = make_runtime(audit_db)
    careless = operation("orders.recount_seats", (), take_seats_core)

    call(runtime, create_order(careless))

    assert unexpected(audit_db) == [("event", "1", 1)]
