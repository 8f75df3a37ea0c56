# expect: none
# fixed shape for r10x_01a: the endpoint commits the booking itself and notifies the
#          partner afterwards; the dependency's own commit then has nothing left to write
from typing import Annotated

import httpx
from fastapi import Depends, FastAPI
from sqlalchemy.orm import Session, sessionmaker

from travel.db import engine
from travel.models import Booking

SessionLocal = sessionmaker(engine)
partner = httpx.Client(base_url="https://partner.example.com")
app = FastAPI()


def get_db():
    session = SessionLocal()
    try:
        yield session
        session.commit()
    except Exception:
        session.rollback()
        raise
    finally:
        session.close()


DbSession = Annotated[Session, Depends(get_db)]


@app.post("/bookings")
def book(trip_id: int, seats: int, session: DbSession):
    session.add(Booking(trip_id=trip_id, seats=seats))
    session.commit()
    partner.post("/holds", json={"trip": trip_id, "seats": seats})
    return {"status": "booked"}
