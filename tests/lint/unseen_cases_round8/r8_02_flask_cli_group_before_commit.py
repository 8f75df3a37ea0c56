# expect: side-effect-in-transaction
# pattern: a Flask CLI command marks photos as resizing and starts a Celery group before
#          db.session.commit(); the workers read the photos while the status change is
#          uncommitted, skip them as "not resizing", and the thumbnails are never made
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
    group(make_thumbnail.s(photo.id) for photo in photos).apply_async()  # expect-line
    db.session.commit()
    click.echo(f"queued {len(photos)} photos of album {album_id}")
