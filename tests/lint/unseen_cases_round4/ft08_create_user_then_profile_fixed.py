# expect: none
# fixed shape: the user and the profile commit together
from django.contrib.auth import get_user_model
from django.db import transaction

from accounts.models import Profile

User = get_user_model()


def register(email, password, display_name):
    with transaction.atomic():
        user = User.objects.create_user(username=email, email=email, password=password)
        Profile.objects.create(user=user, display_name=display_name)
    return user
