# expect: none
# fixed shape: publish once the begin() block has committed
from aiokafka import AIOKafkaProducer
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from shop.models import Order

engine = create_async_engine("postgresql+asyncpg://shop@db/shop")
SessionFactory = async_sessionmaker(engine, expire_on_commit=False)
producer = AIOKafkaProducer(bootstrap_servers="kafka:9092")


async def place_order(customer_id: int, total_cents: int) -> int:
    async with SessionFactory.begin() as session:
        order = Order(customer_id=customer_id, total_cents=total_cents, status="announced")
        session.add(order)
        await session.flush()
        order_id = order.id
    await producer.send_and_wait("orders.created", str(order_id).encode())
    return order_id
