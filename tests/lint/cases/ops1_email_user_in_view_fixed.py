# expect: none
from functools import partial

from django.db import transaction
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Invitation


class InviteView(APIView):
    def post(self, request):
        invitation = Invitation.objects.create(email=request.data["email"], inviter=request.user)
        transaction.on_commit(partial(request.user.email_user, "Invitation sent", f"You invited {invitation.email}."))
        return Response({"id": invitation.pk}, status=201)
