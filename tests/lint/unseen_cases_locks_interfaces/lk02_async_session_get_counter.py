# expect: missing-lock
# pattern: a FastAPI endpoint loads a row with AsyncSession.get(), adds one in Python
#          and commits; parallel requests lose increments
from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import get_session
from app.models import Article

router = APIRouter()


@router.post("/articles/{article_id}/like")
async def like(article_id: int, session: AsyncSession = Depends(get_session)):
    article = await session.get(Article, article_id)
    article.likes = article.likes + 1  # expect-line
    await session.commit()
    return {"likes": article.likes}
