# expect: none
# fixed shape for lk10: one conditional UPDATE checks the limit and takes the seat
from django.db.models import F
from django.http import JsonResponse

from accounts.invitations import send_invitation
from accounts.models import Organization


def invite(request):
    org = request.user.organization
    taken = Organization.objects.filter(pk=org.pk, seats_used__lt=F("seat_limit")).update(
        seats_used=F("seats_used") + 1
    )
    if not taken:
        return JsonResponse({"error": "no seats left"}, status=402)
    send_invitation(org, request.POST["email"])
    return JsonResponse({"ok": True})
