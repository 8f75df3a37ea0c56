# expect: forgotten-transaction
# pattern: the user row is inserted in autocommit, and a post_save receiver inserts the
#          profile as a second autocommit statement. A failing profile insert leaves a user
#          without a profile, and signing up again with that username is rejected.
from django.contrib.auth import get_user_model
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.http import JsonResponse
from django.views.decorators.http import require_POST

from members.models import Profile

User = get_user_model()


@receiver(post_save, sender=User)
def create_profile(sender, instance, created, **kwargs):
    if created:
        Profile.objects.create(user=instance, display_name=instance.username)


@require_POST
def sign_up(request):
    user = User.objects.create_user(request.POST["username"], request.POST["email"], request.POST["password"])  # expect-line
    return JsonResponse({"id": user.pk}, status=201)
