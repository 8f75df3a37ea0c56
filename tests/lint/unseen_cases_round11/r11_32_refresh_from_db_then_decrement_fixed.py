# expect: none
# fixed shape: refresh_from_db(from_queryset=...) reloads the row with SELECT ... FOR
#              UPDATE (the argument exists since Django 5.1)
from django.db import transaction

from teams.models import Team, UsageRecord


class OutOfCredits(Exception):
    pass


def charge_credits(team, cost):
    with transaction.atomic():
        team.refresh_from_db(fields=["credits"], from_queryset=Team.objects.select_for_update())
        if team.credits < cost:
            raise OutOfCredits(f"team {team.pk} has {team.credits} credits, needs {cost}")
        team.credits -= cost
        team.save(update_fields=["credits"])
        UsageRecord.objects.create(team=team, cost=cost)
