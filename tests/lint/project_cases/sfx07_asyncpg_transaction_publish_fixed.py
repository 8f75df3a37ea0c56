# expect: none
# fixed shape for sfx07: the event is published after the transaction block has committed
import json

import aio_pika
from fastapi import APIRouter, Request

router = APIRouter()


@router.post("/bookings")
async def create_booking(request: Request, room_id: int, guest: str):
    pool = request.app.state.pool
    exchange = request.app.state.exchange
    async with pool.acquire() as conn:
        async with conn.transaction():
            booking_id = await conn.fetchval(
                "INSERT INTO bookings (room_id, guest) VALUES ($1, $2) RETURNING id", room_id, guest
            )
            await conn.execute("UPDATE rooms SET booked = booked + 1 WHERE id = $1", room_id)
        body = json.dumps({"booking": booking_id, "room": room_id}).encode()
        await exchange.publish(aio_pika.Message(body=body), routing_key="booking.created")
    return {"id": booking_id}
