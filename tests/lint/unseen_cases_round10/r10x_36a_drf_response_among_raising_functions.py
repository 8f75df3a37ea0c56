# expect: non-uniform-interface
# pattern: the membership functions raise MembershipError and return model data, except
#          one that returns a DRF Response with a 400 status, so a Celery task that calls it
#          gets a response object where it expects the membership
from rest_framework import status
from rest_framework.response import Response

from clubs.exceptions import MembershipError
from clubs.models import Club, Membership


def join_club(club: Club, user) -> Membership:
    if club.is_full():
        raise MembershipError(f"club {club.pk} is full")
    return Membership.objects.create(club=club, user=user)


def leave_club(club: Club, user) -> None:
    deleted, _ = Membership.objects.filter(club=club, user=user).delete()
    if not deleted:
        raise MembershipError(f"user {user.pk} is not a member of club {club.pk}")


def promote_member(club: Club, user):  # expect-line
    membership = Membership.objects.filter(club=club, user=user).first()
    if membership is None:
        return Response({"detail": "not a member"}, status=status.HTTP_400_BAD_REQUEST)
    membership.role = "admin"
    membership.save(update_fields=["role"])
    return Response({"id": membership.pk, "role": membership.role})
