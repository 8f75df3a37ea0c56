# expect: missing-lock
# pattern: refresh_from_db() reloads the credits but takes no lock, so another request can
#          spend credits between the reload and the save, and one of the two debits is lost.
from django.db import transaction

from teams.models import UsageRecord


class OutOfCredits(Exception):
    pass


def charge_credits(team, cost):
    with transaction.atomic():
        team.refresh_from_db(fields=["credits"])
        if team.credits < cost:
            raise OutOfCredits(f"team {team.pk} has {team.credits} credits, needs {cost}")
        team.credits -= cost  # expect-line
        team.save(update_fields=["credits"])
        UsageRecord.objects.create(team=team, cost=cost)
