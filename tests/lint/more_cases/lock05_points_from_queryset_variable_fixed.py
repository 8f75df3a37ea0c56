# expect: none
# fixed shape for lock05: the database adds the points
from django.db.models import F

from loyalty.models import Member


def award(member_id, points):
    Member.objects.filter(active=True, pk=member_id).update(points=F("points") + points)
