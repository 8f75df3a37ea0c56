# expect: none
# fixed shape for sfx01: the task is enqueued once the unit of work has committed
from contextlib import contextmanager
from functools import partial

from django.db import transaction

from accounts.models import Profile, User
from accounts.tasks import send_welcome


@contextmanager
def unit_of_work():
    with transaction.atomic():
        yield


def register(email, display_name):
    with unit_of_work():
        user = User.objects.create_user(email=email, username=email)
        Profile.objects.create(user=user, display_name=display_name)
        transaction.on_commit(partial(send_welcome.delay, user.pk))
    return user
