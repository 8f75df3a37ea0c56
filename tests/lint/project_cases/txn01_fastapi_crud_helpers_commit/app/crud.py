from sqlalchemy.orm import Session

from app.models import ApiKey, User


def create_user(db: Session, email: str) -> User:
    user = User(email=email)
    db.add(user)
    db.commit()
    db.refresh(user)
    return user


def create_api_key(db: Session, user_id: int, digest: str) -> ApiKey:
    key = ApiKey(user_id=user_id, digest=digest)
    db.add(key)
    db.commit()
    return key
