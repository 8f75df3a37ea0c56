# expect: none
# fixed shape for r9_33: every lookup returns the object or raises a NotFound subclass
from teams.models import Invitation, Team, User


class NotFound(Exception):
    pass


class UserNotFound(NotFound):
    pass


class TeamNotFound(NotFound):
    pass


class InvitationNotFound(NotFound):
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


def get_open_invitation(token: str) -> Invitation:
    try:
        return Invitation.objects.get(token=token, accepted_at__isnull=True)
    except Invitation.DoesNotExist:
        raise InvitationNotFound("no open invitation for this token") from None
