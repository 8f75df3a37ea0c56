# expect: none
# fixed shape for lk02: the database adds one in a single UPDATE ... RETURNING
from fastapi import APIRouter, Depends
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import get_session
from app.models import Article

router = APIRouter()


@router.post("/articles/{article_id}/like")
async def like(article_id: int, session: AsyncSession = Depends(get_session)):
    result = await session.execute(
        update(Article)
        .where(Article.id == article_id)
        .values(likes=Article.likes + 1)
        .returning(Article.likes)
    )
    likes = result.scalar_one()
    await session.commit()
    return {"likes": likes}
