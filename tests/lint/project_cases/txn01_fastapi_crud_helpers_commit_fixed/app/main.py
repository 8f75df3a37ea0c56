# expect: none
# fixed shape for txn01: the helpers only add, and the endpoint commits both rows at once
import hashlib
import secrets

from fastapi import Depends, FastAPI
from sqlalchemy.orm import Session

from app import crud
from app.db import get_db

app = FastAPI()


@app.post("/signup")
def signup(email: str, db: Session = Depends(get_db)):
    user = crud.create_user(db, email)
    token = secrets.token_urlsafe(32)
    crud.create_api_key(db, user.id, hashlib.sha256(token.encode()).hexdigest())
    db.commit()
    return {"user_id": user.id, "token": token}
