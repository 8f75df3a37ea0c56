# expect: forgotten-transaction
# pattern: model delete() override removes dependent rows, then the row itself; Django's
#          delete() of one instance opens no transaction around the override's two steps
from django.db import models


class Album(models.Model):
    title = models.CharField(max_length=200)

    def delete(self, *args, **kwargs):
        self.photos.all().delete()  # expect-line
        return super().delete(*args, **kwargs)


class Photo(models.Model):
    album = models.ForeignKey(Album, related_name="photos", on_delete=models.DO_NOTHING)
    path = models.CharField(max_length=255)
