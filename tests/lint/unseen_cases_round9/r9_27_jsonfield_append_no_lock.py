# expect: missing-lock
# pattern: a JSONField list is read, appended to in Python and saved whole, so of two
#          badges awarded at the same moment only one is kept
from django.db import transaction

from gamification.models import PlayerProfile


@transaction.atomic
def award_badge(user_id, badge):
    profile = PlayerProfile.objects.get(user_id=user_id)  # expect-line: no select_for_update()
    if badge not in profile.badges:
        profile.badges.append(badge)
        profile.save(update_fields=["badges"])
    return profile
