# expect: none
# fixed shape for r8_02: the ids are read before the commit, the group starts after it
import click
from celery import group
from flask.cli import with_appcontext

from gallery.extensions import db
from gallery.models import Photo
from gallery.tasks import make_thumbnail


@click.command("requeue-thumbnails")
@click.option("--album", "album_id", type=int, required=True)
@with_appcontext
def requeue_thumbnails(album_id):
    photos = db.session.scalars(
        db.select(Photo).where(Photo.album_id == album_id, Photo.thumbnail_key.is_(None))
    ).all()
    for photo in photos:
        photo.status = "resizing"
    photo_ids = [photo.id for photo in photos]
    db.session.commit()
    group(make_thumbnail.s(photo_id) for photo_id in photo_ids).apply_async()
    click.echo(f"queued {len(photo_ids)} photos of album {album_id}")
