# expect: none
# fixed shape for r10x_36a: promote_member raises MembershipError and returns the
#          membership; the view builds the response
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


def promote_member(club: Club, user) -> Membership:
    membership = Membership.objects.filter(club=club, user=user).first()
    if membership is None:
        raise MembershipError(f"user {user.pk} is not a member of club {club.pk}")
    membership.role = "admin"
    membership.save(update_fields=["role"])
    return membership
