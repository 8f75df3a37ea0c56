# expect: none
from django.core.mail import send_mail

from shop.db import deferred


@deferred
def tell_support(subject):
    send_mail(subject, "see the back office", None, ["support@example.invalid"])
