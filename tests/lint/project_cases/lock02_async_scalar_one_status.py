# expect: missing-lock
# pattern: a FastAPI endpoint loads the job through an async session result and claims it
#          when it is still queued; two workers both see "queued" and both start the job
from fastapi import APIRouter, Depends, HTTPException
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import get_session
from app.models import Job

router = APIRouter()


@router.post("/jobs/{job_id}/claim")
async def claim_job(job_id: int, worker: str, session: AsyncSession = Depends(get_session)):
    result = await session.execute(select(Job).where(Job.id == job_id))  # expect-line
    job = result.scalar_one()
    if job.state != "queued":
        raise HTTPException(status_code=409, detail=f"job {job_id} is {job.state}")
    job.state = "running"
    job.worker = worker
    await session.commit()
    return {"id": job.id, "state": job.state}
