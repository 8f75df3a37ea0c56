# expect: none
# fixed shape: the claim, the user and the membership commit together
from datetime import datetime, timezone

from teams.auth import hash_password
from teams.db import db
from teams.models import Invitation, Membership, User


def accept_invitation(token, password):
    with db.atomic():
        open_invitation = (Invitation.token == token) & Invitation.accepted_at.is_null()
        claimed = Invitation.update(accepted_at=datetime.now(timezone.utc)).where(open_invitation).execute()
        if not claimed:
            return None
        invitation = Invitation.get(Invitation.token == token)
        user = User.create(email=invitation.email, password_hash=hash_password(password))
        Membership.create(user=user, team=invitation.team_id, role=invitation.role)
        return user
