# expect: none
# A Starlette BackgroundTask runs after the response is sent, long after the block commits.
import smtplib

from starlette.background import BackgroundTask
from starlette.responses import JSONResponse

from .db import SessionLocal
from .models import Donation


def send_receipt(email: str, amount: int) -> None:
    with smtplib.SMTP("localhost") as smtp:
        smtp.sendmail("donations@example.org", [email], f"Subject: Thank you\n\n{amount}")


async def donate(request):
    form = await request.form()
    with SessionLocal() as session:
        with session.begin():
            donation = Donation(email=form["email"], amount=int(form["amount"]))
            session.add(donation)
            session.flush()
            task = BackgroundTask(send_receipt, donation.email, donation.amount)
    return JSONResponse({"id": donation.id}, background=task)
