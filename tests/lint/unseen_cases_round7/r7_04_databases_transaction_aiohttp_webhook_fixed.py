# expect: none
import aiohttp
from databases import Database

database = Database("postgresql://localhost/shop")
HOOK_URL = "https://hooks.example.com/orders"


async def ship_order(order_id: int, carrier: str) -> None:
    async with database.transaction():
        await database.execute(
            "UPDATE orders SET status = 'shipped', carrier = :carrier WHERE id = :id",
            {"carrier": carrier, "id": order_id},
        )
        await database.execute(
            "INSERT INTO shipments (order_id, carrier) VALUES (:id, :carrier)",
            {"carrier": carrier, "id": order_id},
        )
    async with aiohttp.ClientSession() as http:
        await http.post(HOOK_URL, json={"order": order_id, "carrier": carrier})
