# expect: forgotten-transaction
# pattern: whichever arm runs, a second write follows it with no transaction around both
from accounts.models import AuditEntry, Invitation, Membership


def accept(request, code, user):
    if user.is_authenticated:
        Membership.objects.create(user=user, code=code)  # expect-line
    elif code:
        Invitation.objects.create(code=code, email=request.POST["email"])  # expect-line
    AuditEntry.objects.create(action="accept", code=code)
