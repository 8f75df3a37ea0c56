# expect: none
# fixed shape for r8_25: the profile row is locked from the read to the save
from django.db import transaction
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from notifications.models import Profile


class NotificationPreferencesView(APIView):
    permission_classes = [IsAuthenticated]

    def patch(self, request):
        with transaction.atomic():
            profile = Profile.objects.select_for_update().get(user=request.user)
            preferences = profile.preferences
            preferences.setdefault("channels", {}).update(request.data.get("channels", {}))
            if "quiet_hours" in request.data:
                preferences["quiet_hours"] = request.data["quiet_hours"]
            profile.preferences = preferences
            profile.save(update_fields=["preferences"])
        return Response(profile.preferences)
