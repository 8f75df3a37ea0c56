# expect: side-effect-in-transaction
# pattern: a FastAPI route enqueues an arq job inside `async with session.begin()`; the
#          worker picks the job up at once and loads an invoice that is not committed yet
from arq.connections import ArqRedis
from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from billing.deps import get_arq, get_session
from billing.models import Invoice, InvoiceLine
from billing.schemas import InvoiceIn, InvoiceOut

# get_session() yields sessions of async_sessionmaker(expire_on_commit=False), so the
# invoice keeps its loaded attributes after COMMIT.
router = APIRouter()


@router.post("/invoices", response_model=InvoiceOut, status_code=201)
async def create_invoice(
    body: InvoiceIn,
    session: AsyncSession = Depends(get_session),
    arq: ArqRedis = Depends(get_arq),
):
    async with session.begin():
        invoice = Invoice(customer_id=body.customer_id, currency=body.currency)
        session.add(invoice)
        await session.flush()
        session.add_all(
            [
                InvoiceLine(invoice_id=invoice.id, description=line.description, amount=line.amount)
                for line in body.lines
            ]
        )
        await arq.enqueue_job("render_invoice_pdf", invoice.id, _job_id=f"invoice-pdf-{invoice.id}")  # expect-line
    return InvoiceOut.model_validate(invoice)
