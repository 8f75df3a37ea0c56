# expect: none
# fixed shape: a unique constraint backs the lookup; get_or_create() then catches the
#          IntegrityError of the losing insert and returns the winner's row
from django.db import models


class Follow(models.Model):
    follower = models.ForeignKey("auth.User", related_name="following", on_delete=models.CASCADE)
    followee = models.ForeignKey("auth.User", related_name="followers", on_delete=models.CASCADE)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["follower", "followee"], name="unique_follow")]


def follow(follower, followee):
    edge, _ = Follow.objects.get_or_create(follower=follower, followee=followee)
    return edge
