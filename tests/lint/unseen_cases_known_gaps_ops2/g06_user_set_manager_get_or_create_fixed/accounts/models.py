# expect: none
# fixed shape for g06: unique_together on (user, site) backs get_or_create()
from django.conf import settings
from django.db import models


class Profile(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    site = models.CharField(max_length=50)
    theme = models.CharField(max_length=20, default="light")

    class Meta:
        unique_together = [("user", "site")]
