# expect: forgotten-transaction
# pattern: the endpoint calls two CRUD helpers that each add and commit, so the user and
#          their first API key land in two transactions; a failure in the second leaves a
#          user who cannot authenticate
import hashlib
import secrets

from fastapi import Depends, FastAPI
from sqlalchemy.orm import Session

from app import crud
from app.db import get_db

app = FastAPI()


@app.post("/signup")
def signup(email: str, db: Session = Depends(get_db)):
    user = crud.create_user(db, email)  # expect-line
    token = secrets.token_urlsafe(32)
    crud.create_api_key(db, user.id, hashlib.sha256(token.encode()).hexdigest())
    return {"user_id": user.id, "token": token}
