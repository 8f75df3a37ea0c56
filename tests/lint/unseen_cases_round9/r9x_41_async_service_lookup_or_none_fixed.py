# expect: none
# fixed shape for r9x_41: get_invite() lets scalar_one() raise like get_team()
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

    async def get_invite(self, code: str) -> Invite:
        result = await self.session.execute(select(Invite).where(Invite.code == code))
        return result.scalar_one()

    async def find_invite(self, code: str) -> Invite | None:
        result = await self.session.execute(select(Invite).where(Invite.code == code))
        return result.scalar_one_or_none()
