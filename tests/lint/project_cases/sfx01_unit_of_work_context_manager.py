# expect: side-effect-in-transaction
# pattern: the project wraps atomic() in its own context manager; code inside it runs in
#          the transaction, so the welcome task is enqueued before the user row commits
from contextlib import contextmanager

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
        send_welcome.delay(user.pk)  # expect-line
    return user
