# expect: side-effect-in-transaction
# pattern: a FastAPI route calls the partner API through an injected client inside
#          "async with engine.begin()". A failing UPDATE after the call rolls back a
#          booking that the partner has already confirmed
from collections.abc import AsyncIterator

import httpx
from fastapi import APIRouter, Depends
from sqlalchemy import insert, update
from sqlalchemy.ext.asyncio import AsyncEngine

from travel.db import bookings, get_engine, rooms
from travel.schemas import BookingIn
from travel.settings import settings

router = APIRouter()


class PartnerClient:
    def __init__(self, http: httpx.AsyncClient, base_url: str) -> None:
        self.http = http
        self.base_url = base_url

    async def confirm_hold(self, room_code: str, nights: int) -> None:
        response = await self.http.post(  # expect-line
            f"{self.base_url}/holds", json={"room": room_code, "nights": nights}
        )
        response.raise_for_status()


async def get_partner_client() -> AsyncIterator[PartnerClient]:
    async with httpx.AsyncClient(timeout=10) as http:
        yield PartnerClient(http, settings.partner_url)


@router.post("/bookings", status_code=201)
async def create_booking(
    body: BookingIn,
    engine: AsyncEngine = Depends(get_engine),
    partner: PartnerClient = Depends(get_partner_client),
) -> dict:
    async with engine.begin() as conn:
        result = await conn.execute(
            insert(bookings)
            .values(room_code=body.room_code, nights=body.nights, status="held")
            .returning(bookings.c.id)
        )
        booking_id = result.scalar_one()
        await partner.confirm_hold(body.room_code, body.nights)  # via-indirection
        await conn.execute(
            update(rooms).where(rooms.c.code == body.room_code).values(held_until=body.check_out)
        )
    return {"id": booking_id}
