# expect: none
# fixed shape for handle01: the aliased handle runs in a worker thread
from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from shop.generated import ops

router = APIRouter()


@router.post("/invoices/{invoice_id}/charge")
async def charge_invoice(request: Request, invoice_id: int, later: bool = False):
    op = ops.billing.schedule_charge if later else ops.billing.charge
    result = await run_in_threadpool(op, request.state.ctx, invoice_id=invoice_id)
    return {"ok": result.ok}
