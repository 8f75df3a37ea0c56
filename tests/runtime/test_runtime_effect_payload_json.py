"""Effect handlers receive the payload in JSON form, as docs/runtime.md lists it."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel

from opsgen.runtime.context import Context
from opsgen.runtime.declarations import EffectDeclaration, OperationDeclaration
from opsgen.runtime.effects import EffectCall
from opsgen.runtime.execution import ExecutionContext
from opsgen.runtime.handle import OperationHandle
from opsgen.runtime.operation import Operation
from opsgen.runtime.runtime import Runtime


class Line(BaseModel):
    amount: Decimal
    day: date


class ReceiptPayload(BaseModel):
    amount: Decimal
    sent_at: datetime
    naive_at: datetime
    day: date
    ref: uuid.UUID
    tier: Literal["gold", "silver"]
    ratio: float
    count: int
    lines: list[Line]
    totals: dict[str, Decimal]
    note: str | None = None


class PayInput(BaseModel):
    amount: Decimal


class PayOutput(BaseModel):
    ok: bool


def pay_handle() -> OperationHandle[PayInput, PayOutput]:
    declaration = OperationDeclaration(
        "shop.pay", 1, "", PayInput, PayOutput, effects=(EffectDeclaration("send_receipt", "email"),)
    )

    class Pay(Operation[PayInput, PayOutput]):
        def run(self, ctx: ExecutionContext, **inputs: Any) -> PayOutput:
            payload = ReceiptPayload(
                amount=inputs["amount"],
                sent_at=datetime(2026, 1, 2, 3, 4, 5, 600000, tzinfo=timezone.utc),
                naive_at=datetime(2026, 1, 2, 3, 4, 5),
                day=date(2026, 1, 2),
                ref=uuid.UUID(int=1),
                tier="gold",
                ratio=0.5,
                count=3,
                lines=[Line(amount=Decimal("1.50"), day=date(2026, 1, 3))],
                totals={"eur": Decimal("2.5")},
            )
            ctx.effect("send_receipt", payload)
            return PayOutput(ok=True)

    Pay.declaration = declaration
    return OperationHandle(declaration, Pay)


def test_effect_payload_in_json_form(runtime: Runtime) -> None:
    received: list[dict[str, Any]] = []

    def send_receipt(call: EffectCall) -> None:
        received.append(call.payload)

    runtime.register_effect_handler("email", send_receipt)

    assert pay_handle()(Context(), amount=Decimal("25.00")).ok

    assert received == [
        {
            "amount": "25.00",
            "sent_at": "2026-01-02T03:04:05.600000Z",
            "naive_at": "2026-01-02T03:04:05",
            "day": "2026-01-02",
            "ref": "00000000-0000-0000-0000-000000000001",
            "tier": "gold",
            "ratio": 0.5,
            "count": 3,
            "lines": [{"amount": "1.50", "day": "2026-01-03"}],
            "totals": {"eur": "2.5"},
            "note": None,
        }
    ]
