# expect: none
# fixed shape for r9_27: the profile row stays locked until the list is saved
from django.db import transaction

from gamification.models import PlayerProfile


@transaction.atomic
def award_badge(user_id, badge):
    profile = PlayerProfile.objects.select_for_update().get(user_id=user_id)
    if badge not in profile.badges:
        profile.badges.append(badge)
        profile.save(update_fields=["badges"])
    return profile
