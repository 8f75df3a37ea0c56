# expect: side-effect-in-transaction
# pattern: the project's async unit of work yields inside session.begin(); a chat webhook
#          is awaited inside the `async with`, before the block commits
from contextlib import asynccontextmanager

import httpx
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from app.models import BuildEvent

engine = create_async_engine("postgresql+asyncpg://localhost/ci")
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def unit_of_work():
    async with SessionLocal() as session:
        async with session.begin():
            yield session


async def finish_build(build_id, status):
    async with httpx.AsyncClient(timeout=5) as http:
        async with unit_of_work() as session:
            session.add(BuildEvent(build_id=build_id, status=status))
            await http.post(  # expect-line
                "https://chat.example.invalid/api/webhooks/builds",
                json={"content": f"build {build_id}: {status}"},
            )
