# expect: missing-lock
# pattern: the organisation reached through request.user is checked against its seat
#          limit and its counter raised in Python; two invitations at once both pass
from django.http import JsonResponse

from accounts.invitations import send_invitation


def invite(request):
    org = request.user.organization
    if org.seats_used >= org.seat_limit:
        return JsonResponse({"error": "no seats left"}, status=402)
    org.seats_used += 1  # expect-line
    org.save(update_fields=["seats_used"])
    send_invitation(org, request.POST["email"])
    return JsonResponse({"ok": True})
