from arq.connections import ArqRedis
from fastapi import APIRouter, Depends
from pydantic import BaseModel
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from .deps import get_arq_pool, get_session
from .jobs import schedule_thumbnails
from .models import Album, Photo

router = APIRouter()
THUMBNAIL_SIZES = [256, 1024]


class PhotoIn(BaseModel):
    s3_key: str
    caption: str = ""


@router.post("/albums/{album_id}/photos", status_code=201)
async def add_photo(
    album_id: int,
    body: PhotoIn,
    session: AsyncSession = Depends(get_session),
    pool: ArqRedis = Depends(get_arq_pool),
):
    async with session.begin():
        photo = Photo(album_id=album_id, s3_key=body.s3_key, caption=body.caption)
        session.add(photo)
        await session.flush()
        photo_id = photo.id
        await schedule_thumbnails(pool, photo_id, THUMBNAIL_SIZES)  # via-indirection
        await session.execute(update(Album).where(Album.id == album_id).values(cover_photo_id=photo_id))
    return {"id": photo_id}
