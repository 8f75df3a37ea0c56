# expect: forgotten-transaction
# pattern: peewee runs in autocommit outside db.atomic(). Accepting an invitation marks it
#          used, then creates the user and the membership, so a duplicate e-mail at
#          User.create() leaves an invitation that can never be accepted again.
from datetime import datetime, timezone

from teams.auth import hash_password
from teams.models import Invitation, Membership, User


def accept_invitation(token, password):
    open_invitation = (Invitation.token == token) & Invitation.accepted_at.is_null()
    claimed = Invitation.update(accepted_at=datetime.now(timezone.utc)).where(open_invitation).execute()  # expect-line
    if not claimed:
        return None
    invitation = Invitation.get(Invitation.token == token)
    user = User.create(email=invitation.email, password_hash=hash_password(password))
    Membership.create(user=user, team=invitation.team_id, role=invitation.role)
    return user
