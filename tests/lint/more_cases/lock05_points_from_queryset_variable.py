# expect: missing-lock
# pattern: loyalty points added in Python to a member loaded from a queryset kept in a
#          variable; two purchases at once lose one award
from loyalty.models import Member


def award(member_id, points):
    members = Member.objects.filter(active=True)
    member = members.get(pk=member_id)
    member.points = member.points + points  # expect-line
    member.save(update_fields=["points"])
