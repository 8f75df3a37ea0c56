# expect: none
# each call makes one write: the creates sit in the two arms of one if, and the HTTP
# session's save() stores no database row
from accounts.models import Invitation, Membership


def accept(request, code, user):
    if user.is_authenticated:
        Membership.objects.create(user=user, code=code)
    elif code:
        Invitation.objects.create(code=code, email=request.POST["email"])
    request.session["accepted"] = code
    request.session.save()
