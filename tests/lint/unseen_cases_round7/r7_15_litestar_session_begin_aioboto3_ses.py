# expect: side-effect-in-transaction
import aioboto3
from litestar import post
from sqlalchemy.ext.asyncio import AsyncSession

from .models import Invitation


@post("/teams/{team_id:int}/invitations")
async def invite(team_id: int, data: dict, db_session: AsyncSession) -> dict:
    async with db_session.begin():
        invitation = Invitation(team_id=team_id, email=data["email"])
        db_session.add(invitation)
        await db_session.flush()
        async with aioboto3.Session().client("ses") as ses:
            await ses.send_email(  # expect-line
                Source="teams@example.org",
                Destination={"ToAddresses": [data["email"]]},
                Message={"Subject": {"Data": "Invitation"}, "Body": {"Text": {"Data": str(invitation.id)}}},
            )
    return {"id": invitation.id}
