# expect: missing-lock
# pattern: hand-written get-or-create: get(), and create() in the DoesNotExist handler;
#          two first requests both create, and one later get() raises MultipleObjectsReturned
from newsletter.models import Subscriber


def normalise(email):
    local, _, domain = email.strip().partition("@")
    return f"{local}@{domain.lower()}"


def subscribe(email, source):
    email = normalise(email)
    try:
        subscriber = Subscriber.objects.get(email=email)  # expect-line
    except Subscriber.DoesNotExist:
        subscriber = Subscriber.objects.create(email=email, source=source)  # expect-line
    return subscriber
