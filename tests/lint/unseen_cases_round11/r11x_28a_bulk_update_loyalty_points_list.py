# expect: missing-lock
# pattern: a nightly job loads the members into a list, adds each one's points in Python and
#          writes them back with bulk_update(fields=...). A purchase that adds points while
#          the job runs is overwritten by the job's stale total.
from loyalty.models import Member


def grant_monthly_points(points_by_tier):
    members = list(Member.objects.filter(active=True).only("id", "tier", "points"))
    for member in members:
        member.points += points_by_tier[member.tier]  # expect-line
    Member.objects.bulk_update(members, fields=["points"], batch_size=500)
