# expect: side-effect-in-transaction
# pattern: a FastAPI dependency opens the transaction and commits it only after the
#          endpoint has returned, so the Kafka event leaves before the order row is committed
import json

from aiokafka import AIOKafkaProducer
from fastapi import Depends, FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from shopapi.models import Order
from shopapi.schemas import OrderIn, OrderOut

engine = create_async_engine("postgresql+asyncpg://shop@localhost/shop")
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)
producer = AIOKafkaProducer(
    bootstrap_servers="localhost:9092",
    value_serializer=lambda value: json.dumps(value).encode(),
)
app = FastAPI()


async def get_session():
    # The transaction commits when the endpoint has returned and this generator resumes.
    async with SessionLocal() as session, session.begin():
        yield session


@app.post("/orders", response_model=OrderOut, status_code=201)
async def create_order(body: OrderIn, session: AsyncSession = Depends(get_session)):
    order = Order(customer_id=body.customer_id, total=body.total)
    session.add(order)
    await session.flush()
    # A consumer can look the order up before the commit, or after a rollback removed it.
    await producer.send_and_wait("orders.created", {"order_id": order.id})  # expect-line
    return order
