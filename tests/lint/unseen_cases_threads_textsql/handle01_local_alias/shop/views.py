# expect: non-uniform-interface
# pattern: the handle is bound to a local name first, chosen by a conditional expression,
#          then called in the event loop
from fastapi import APIRouter, Request

from shop.generated import ops

router = APIRouter()


@router.post("/invoices/{invoice_id}/charge")
async def charge_invoice(request: Request, invoice_id: int, later: bool = False):
    op = ops.billing.schedule_charge if later else ops.billing.charge
    result = op(request.state.ctx, invoice_id=invoice_id)  # expect-line
    return {"ok": result.ok}
