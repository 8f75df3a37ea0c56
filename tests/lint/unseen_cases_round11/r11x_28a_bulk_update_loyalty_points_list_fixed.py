# expect: none
# fixed shape: one UPDATE per tier adds the points in the database, all in one transaction
from django.db import transaction
from django.db.models import F

from loyalty.models import Member


def grant_monthly_points(points_by_tier):
    with transaction.atomic():
        for tier, points in points_by_tier.items():
            Member.objects.filter(active=True, tier=tier).update(points=F("points") + points)
