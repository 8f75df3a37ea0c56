# expect: side-effect-in-transaction
# pattern: the session dependency commits after its yield, once the endpoint has returned,
#          and is injected through an Annotated alias. The endpoint notifies the partner
#          before it writes anything, so a failing INSERT leaves the partner told about a
#          booking that does not exist.
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
    partner.post("/holds", json={"trip": trip_id, "seats": seats})  # expect-line
    session.add(Booking(trip_id=trip_id, seats=seats))
    return {"status": "booked"}
