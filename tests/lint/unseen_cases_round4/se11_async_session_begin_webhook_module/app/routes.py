# expect: side-effect-in-transaction
# pattern: an async FastAPI route awaits a webhook helper from another module inside
#          `async with session.begin()`; the transaction stays open for the whole HTTP
#          round trip and a failed commit leaves the receiver told of an archive that
#          never happened
from fastapi import APIRouter, Depends, HTTPException
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import get_session
from app.models import Project
from app.notify import post_webhook

router = APIRouter()


@router.post("/projects/{project_id}/archive")
async def archive_project(project_id: int, session: AsyncSession = Depends(get_session)):
    async with session.begin():
        project = await session.get(Project, project_id)
        if project is None:
            raise HTTPException(status_code=404)
        project.archived = True
        await post_webhook(project.webhook_url, {"event": "project.archived", "id": project_id})  # via-indirection
    return {"archived": project_id}
