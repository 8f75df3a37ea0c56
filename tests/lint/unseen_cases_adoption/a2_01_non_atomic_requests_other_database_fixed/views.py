# expect: none
# The view is exempted from the default database, the one with ATOMIC_REQUESTS: the save
# commits on its own and the mail follows it.
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpResponse


@transaction.non_atomic_requests
def confirm_email(request):
    request.user.profile.email_confirmed = True
    request.user.profile.save(update_fields=["email_confirmed"])
    send_mail("Welcome", "Your address is confirmed.", None, [request.user.email])
    return HttpResponse("ok")
