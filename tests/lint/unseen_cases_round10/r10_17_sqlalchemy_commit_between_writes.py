# expect: forgotten-transaction
# pattern: deactivating a user and revoking their API tokens are committed separately. A
#          failure between the two commits leaves a deactivated user with working tokens.
from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from authsvc.models import ApiToken, User


def deactivate_user(session: Session, user_id: int) -> None:
    session.execute(update(User).where(User.id == user_id).values(is_active=False))  # expect-line
    session.commit()
    session.execute(delete(ApiToken).where(ApiToken.user_id == user_id))
    session.commit()
