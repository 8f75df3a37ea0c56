# expect: none
# fixed shape for r10_17: both statements are committed together
from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from authsvc.models import ApiToken, User


def deactivate_user(session: Session, user_id: int) -> None:
    session.execute(update(User).where(User.id == user_id).values(is_active=False))
    session.execute(delete(ApiToken).where(ApiToken.user_id == user_id))
    session.commit()
