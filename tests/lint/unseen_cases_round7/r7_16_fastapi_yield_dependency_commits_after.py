# expect: side-effect-in-transaction
# The dependency commits after the route returns, so the route body runs inside the transaction.
from aiokafka import AIOKafkaProducer
from fastapi import Depends, FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from .models import Review

app = FastAPI()
SessionLocal: async_sessionmaker[AsyncSession] = async_sessionmaker()
producer = AIOKafkaProducer(bootstrap_servers="kafka:9092")


async def get_session():
    async with SessionLocal() as session:
        yield session
        await session.commit()


@app.post("/products/{product_id}/reviews")
async def add_review(product_id: int, stars: int, session: AsyncSession = Depends(get_session)):
    review = Review(product_id=product_id, stars=stars)
    session.add(review)
    await session.flush()
    await producer.send_and_wait("reviews", str(review.id).encode())  # expect-line
    return {"id": review.id}
