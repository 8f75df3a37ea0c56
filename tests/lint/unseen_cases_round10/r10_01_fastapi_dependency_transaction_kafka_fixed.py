# expect: none
# fixed shape for r10_01: the event is written to an outbox table in the same
#          transaction, and a separate relay process publishes committed outbox rows
from fastapi import Depends, FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from shopapi.models import Order, OutboxMessage
from shopapi.schemas import OrderIn, OrderOut

engine = create_async_engine("postgresql+asyncpg://shop@localhost/shop")
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)
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
    session.add(OutboxMessage(topic="orders.created", payload={"order_id": order.id}))
    return order
