# expect: side-effect-in-transaction
# pattern: on_commit() is handed the result of send_welcome_email.delay(...) instead of a
#          callable; the task is sent at once, inside the block, and on_commit() gets an
#          AsyncResult
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
            transaction.on_commit(send_welcome_email.delay(user.pk))  # expect-line
        return Response({"id": user.pk}, status=status.HTTP_201_CREATED)
