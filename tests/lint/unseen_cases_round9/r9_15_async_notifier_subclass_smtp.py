# expect: side-effect-in-transaction
# pattern: a FastAPI route awaits an injected notifier inside "async with session.begin()".
#          The base class's notify() delegates to the subclass's _deliver(), which sends
#          the mail over SMTP before COMMIT
from email.message import EmailMessage

import aiosmtplib
from fastapi import APIRouter, Depends, HTTPException
from sqlalchemy.ext.asyncio import AsyncSession

from clinic.deps import get_notifier, get_session
from clinic.models import Appointment

router = APIRouter()


class Notifier:
    async def notify(self, address: str, subject: str, text: str) -> None:
        await self._deliver(address, subject, text)

    async def _deliver(self, address: str, subject: str, text: str) -> None:
        raise NotImplementedError


class SmtpNotifier(Notifier):
    def __init__(self, hostname: str, port: int) -> None:
        self.hostname = hostname
        self.port = port

    async def _deliver(self, address: str, subject: str, text: str) -> None:
        message = EmailMessage()
        message["From"] = "appointments@example.org"
        message["To"] = address
        message["Subject"] = subject
        message.set_content(text)
        await aiosmtplib.send(message, hostname=self.hostname, port=self.port)  # expect-line


@router.post("/appointments/{appointment_id}/confirm")
async def confirm_appointment(
    appointment_id: int,
    session: AsyncSession = Depends(get_session),
    notifier: Notifier = Depends(get_notifier),
) -> dict:
    async with session.begin():
        appointment = await session.get(Appointment, appointment_id, with_for_update=True)
        if appointment is None:
            raise HTTPException(status_code=404, detail=f"appointment {appointment_id} not found")
        appointment.status = "confirmed"
        await notifier.notify(  # via-indirection
            appointment.patient_email,
            "Appointment confirmed",
            f"See you on {appointment.starts_at:%d %B at %H:%M}.",
        )
    return {"id": appointment_id, "status": "confirmed"}
