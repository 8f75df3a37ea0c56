# expect: missing-lock
# pattern: a transfer loads both accounts with Session.get(), checks the source balance
#          and moves the money in Python; concurrent transfers overdraw the account
from fastapi import Depends, HTTPException
from sqlalchemy.orm import Session

from bank.db import get_db
from bank.models import Account


def transfer(source_id: int, target_id: int, amount: int, db: Session = Depends(get_db)):
    source = db.get(Account, source_id)
    target = db.get(Account, target_id)
    if source.balance < amount:
        raise HTTPException(status_code=409, detail="insufficient funds")
    source.balance -= amount  # expect-line
    target.balance += amount  # expect-line
    db.commit()
    return {"balance": source.balance}
