# expect: none
# fixed shape: the DELETE and the INSERTs commit once
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from blog.models import PostTag


async def replace_tags(session: AsyncSession, post_id: int, names: list[str]) -> None:
    await session.execute(delete(PostTag).where(PostTag.post_id == post_id))
    session.add_all([PostTag(post_id=post_id, name=name) for name in names])
    await session.commit()
