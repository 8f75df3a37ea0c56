# expect: none
# fixed shape: both deletes in one transaction
from django.db import models, transaction


class Album(models.Model):
    title = models.CharField(max_length=200)

    def delete(self, *args, **kwargs):
        with transaction.atomic():
            self.photos.all().delete()
            return super().delete(*args, **kwargs)


class Photo(models.Model):
    album = models.ForeignKey(Album, related_name="photos", on_delete=models.DO_NOTHING)
    path = models.CharField(max_length=255)
