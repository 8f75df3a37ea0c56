# expect: none
# fixed shape for lk12: conditional UPDATE statements move the money in the database
from fastapi import Depends, HTTPException
from sqlalchemy import update
from sqlalchemy.orm import Session

from bank.db import get_db
from bank.models import Account


def transfer(source_id: int, target_id: int, amount: int, db: Session = Depends(get_db)):
    debited = db.execute(
        update(Account)
        .where(Account.id == source_id, Account.balance >= amount)
        .values(balance=Account.balance - amount)
    )
    if debited.rowcount != 1:
        db.rollback()
        raise HTTPException(status_code=409, detail="insufficient funds")
    db.execute(
        update(Account).where(Account.id == target_id).values(balance=Account.balance + amount)
    )
    db.commit()
    return {"ok": True}
