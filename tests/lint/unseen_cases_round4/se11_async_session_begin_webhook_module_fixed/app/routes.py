# expect: none
# fixed shape: the webhook is posted after the block has committed
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
        webhook_url = project.webhook_url
    await post_webhook(webhook_url, {"event": "project.archived", "id": project_id})
    return {"archived": project_id}
