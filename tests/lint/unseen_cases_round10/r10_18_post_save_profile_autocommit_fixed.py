# expect: none
# fixed shape for r10_18: the user and the profile written by the receiver share one
#          transaction
from django.contrib.auth import get_user_model
from django.db import transaction
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
    with transaction.atomic():
        user = User.objects.create_user(request.POST["username"], request.POST["email"], request.POST["password"])
    return JsonResponse({"id": user.pk}, status=201)
