# expect: none
import asyncio

from sqlalchemy.ext.asyncio import AsyncSession

from .models import Comment
from .spam import classify


class PostComment:
    def __init__(self, session: AsyncSession, text: str) -> None:
        self.session = session
        self.text = text

    async def handle(self) -> Comment:
        comment = Comment(text=self.text)
        self.session.add(comment)
        await self.session.flush()
        return comment


class HideComment:
    def __init__(self, session: AsyncSession, comment_id: int) -> None:
        self.session = session
        self.comment_id = comment_id

    async def handle(self) -> Comment:
        comment = await self.session.get(Comment, self.comment_id)
        comment.hidden = True
        return comment


class ScoreComment:
    def __init__(self, comment: Comment) -> None:
        self.comment = comment

    async def handle(self) -> Comment:
        self.comment.spam_score = await asyncio.to_thread(classify, self.comment.text)
        return self.comment
