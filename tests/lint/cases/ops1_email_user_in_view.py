# expect: side-effect-in-transaction
# pattern: AbstractUser.email_user() sends mail; ATOMIC_REQUESTS wraps the DRF view
# settings.py (same project): DATABASES = {"default": {..., "ATOMIC_REQUESTS": True}}
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Invitation


class InviteView(APIView):
    def post(self, request):
        invitation = Invitation.objects.create(email=request.data["email"], inviter=request.user)
        request.user.email_user("Invitation sent", f"You invited {invitation.email}.")  # expect-line
        return Response({"id": invitation.pk}, status=201)
