# expect: missing-lock
# pattern: get_or_create() on fields that no unique constraint covers: two requests both
#          miss the get and both insert, and later gets raise MultipleObjectsReturned
from django.db import models


class Follow(models.Model):
    follower = models.ForeignKey("auth.User", related_name="following", on_delete=models.CASCADE)
    followee = models.ForeignKey("auth.User", related_name="followers", on_delete=models.CASCADE)
    created = models.DateTimeField(auto_now_add=True)


def follow(follower, followee):
    edge, _ = Follow.objects.get_or_create(follower=follower, followee=followee)  # expect-line
    return edge
