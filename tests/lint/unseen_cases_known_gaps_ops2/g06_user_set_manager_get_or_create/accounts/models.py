# expect: missing-lock
# pattern: a user's profile for a site is fetched or created through the default reverse
#          accessor user.profile_set; no unique constraint covers (user, site), so two
#          first visits create two profiles and later gets raise MultipleObjectsReturned
from django.conf import settings
from django.db import models


class Profile(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    site = models.CharField(max_length=50)
    theme = models.CharField(max_length=20, default="light")
