# expect: side-effect-in-transaction
# pattern: an EmailMultiAlternatives object comes back from a builder function, and its
#          send() runs inside an @transaction.atomic method. No call on the line is named
#          like send_mail.
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string

from accounts.models import AccountClosure


def build_farewell_email(user):
    context = {"name": user.get_full_name()}
    message = EmailMultiAlternatives(
        subject="Your account is closed",
        body=render_to_string("accounts/farewell.txt", context),
        to=[user.email],
    )
    message.attach_alternative(render_to_string("accounts/farewell.html", context), "text/html")
    return message


class AccountCloser:
    @transaction.atomic
    def close(self, user, reason):
        user.is_active = False
        user.save(update_fields=["is_active"])
        message = build_farewell_email(user)
        message.send()  # expect-line
        AccountClosure.objects.create(user=user, reason=reason)
        user.api_tokens.all().delete()
