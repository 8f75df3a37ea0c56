# expect: none
# fixed shape for r8_11: on_commit() gets a callable that sends the task after COMMIT
from functools import partial

from django.db import transaction
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Profile
from accounts.serializers import SignupSerializer
from accounts.tasks import send_welcome_email


class SignupView(APIView):
    permission_classes = [AllowAny]

    def post(self, request):
        serializer = SignupSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            user = serializer.save()
            Profile.objects.create(user=user, locale=serializer.validated_data["locale"])
            transaction.on_commit(partial(send_welcome_email.delay, user.pk))
        return Response({"id": user.pk}, status=status.HTTP_201_CREATED)
