# expect: non-uniform-interface
# pattern: DirectoryService's lookups raise MemberNotFound or let scalar_one() raise for a
#          missing row, except get_invite(), which returns scalar_one_or_none()
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from directory.models import Invite, Member, Team


class MemberNotFound(Exception):
    pass


class DirectoryService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get_member(self, member_id: int) -> Member:
        member = await self.session.get(Member, member_id)
        if member is None:
            raise MemberNotFound(member_id)
        return member

    async def get_team(self, slug: str) -> Team:
        result = await self.session.execute(select(Team).where(Team.slug == slug))
        return result.scalar_one()

    async def get_invite(self, code: str) -> Invite | None:  # expect-line: None instead of raising
        result = await self.session.execute(select(Invite).where(Invite.code == code))
        return result.scalar_one_or_none()
