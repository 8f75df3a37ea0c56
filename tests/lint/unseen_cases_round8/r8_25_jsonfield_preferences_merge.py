# expect: missing-lock
# pattern: notification preferences live in one JSONField; each PATCH reads the whole
#          document, merges its part in Python and saves the whole document, so two
#          devices changing different channels at once lose one change
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from notifications.models import Profile


class NotificationPreferencesView(APIView):
    permission_classes = [IsAuthenticated]

    def patch(self, request):
        profile = Profile.objects.get(user=request.user)  # expect-line
        preferences = profile.preferences
        preferences.setdefault("channels", {}).update(request.data.get("channels", {}))
        if "quiet_hours" in request.data:
            preferences["quiet_hours"] = request.data["quiet_hours"]
        profile.preferences = preferences
        profile.save(update_fields=["preferences"])
        return Response(profile.preferences)
