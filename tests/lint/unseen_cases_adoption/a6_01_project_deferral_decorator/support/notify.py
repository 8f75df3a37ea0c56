# expect: side-effect-in-transaction
from django.core.mail import send_mail

from shop.db import audited


@audited
def tell_support(subject):
    send_mail(subject, "see the back office", None, ["support@example.invalid"])
