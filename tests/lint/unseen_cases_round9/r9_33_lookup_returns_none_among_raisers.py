# expect: non-uniform-interface
# pattern: lookup services raise a NotFound subclass, except the invitation lookup,
#          which returns None. A caller that forgets the None check fails later with
#          AttributeError
from teams.models import Invitation, Team, User


class NotFound(Exception):
    pass


class UserNotFound(NotFound):
    pass


class TeamNotFound(NotFound):
    pass


def get_user(user_id: int) -> User:
    try:
        return User.objects.get(pk=user_id)
    except User.DoesNotExist:
        raise UserNotFound(f"user {user_id} not found") from None


def get_team(slug: str) -> Team:
    try:
        return Team.objects.get(slug=slug)
    except Team.DoesNotExist:
        raise TeamNotFound(f"team {slug!r} not found") from None


def get_open_invitation(token: str) -> Invitation | None:  # expect-line: None instead of NotFound
    return Invitation.objects.filter(token=token, accepted_at__isnull=True).first()
