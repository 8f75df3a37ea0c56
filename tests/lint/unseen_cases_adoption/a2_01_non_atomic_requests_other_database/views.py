# expect: side-effect-in-transaction
# @non_atomic_requests(using="analytics") exempts the view from the analytics database
# only. The default database still runs it inside the request transaction, so the mail
# goes out before the profile change commits, and also when a later error rolls it back.
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpResponse


@transaction.non_atomic_requests(using="analytics")
def confirm_email(request):
    request.user.profile.email_confirmed = True
    request.user.profile.save(update_fields=["email_confirmed"])
    send_mail("Welcome", "Your address is confirmed.", None, [request.user.email])  # expect-line
    return HttpResponse("ok")
