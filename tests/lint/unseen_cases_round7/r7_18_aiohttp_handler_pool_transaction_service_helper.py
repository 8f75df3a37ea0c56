# expect: side-effect-in-transaction
from aiohttp import web
from aiokafka import AIOKafkaProducer


async def emit_price_change(producer: AIOKafkaProducer, sku: str, price: int) -> None:
    await producer.send_and_wait("prices", f"{sku}:{price}".encode())


async def change_price(request: web.Request) -> web.Response:
    sku = request.match_info["sku"]
    price = int((await request.json())["price"])
    async with request.app["pool"].acquire() as conn:
        async with conn.transaction():
            await conn.execute("UPDATE products SET price = $1 WHERE sku = $2", price, sku)
            await conn.execute("INSERT INTO price_history (sku, price) VALUES ($1, $2)", sku, price)
            await emit_price_change(request.app["producer"], sku, price)  # via-indirection
    return web.json_response({"sku": sku, "price": price})
