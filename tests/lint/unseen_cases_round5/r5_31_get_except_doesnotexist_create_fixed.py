# expect: none
# fixed shape: email is unique in the table; insert first and fall back to the existing row
from django.db import IntegrityError, transaction

from newsletter.models import Subscriber


def normalise(email):
    local, _, domain = email.strip().partition("@")
    return f"{local}@{domain.lower()}"


def subscribe(email, source):
    email = normalise(email)
    try:
        with transaction.atomic():
            return Subscriber.objects.create(email=email, source=source)
    except IntegrityError:
        return Subscriber.objects.get(email=email)
