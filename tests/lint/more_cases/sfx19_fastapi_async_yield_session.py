# expect: side-effect-in-transaction
# pattern: FastAPI dependency yields an AsyncSession; the handler flushes the invoice,
#          calls the ERP over httpx and commits afterwards
import httpx
from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from billing.db import SessionLocal
from billing.models import Invoice
from billing.schemas import InvoiceIn

router = APIRouter()


async def get_session():
    async with SessionLocal() as session:
        yield session


@router.post("/invoices", status_code=201)
async def create_invoice(body: InvoiceIn, session: AsyncSession = Depends(get_session)):
    invoice = Invoice(customer_id=body.customer_id, total=body.total)
    session.add(invoice)
    await session.flush()
    async with httpx.AsyncClient(timeout=10) as erp:
        await erp.post("https://erp.invalid/api/invoices", json={"id": invoice.id})  # expect-line
    await session.commit()
    return {"id": invoice.id}
