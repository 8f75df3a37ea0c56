# expect: non-uniform-interface
# pattern: a Starlette endpoint passes the decoded JSON body to call_with and queues a
#          follow-up with enqueue, both in the event loop's thread
from starlette.requests import Request
from starlette.responses import JSONResponse

from shop.generated.registry import ops as operations


async def place(request: Request) -> JSONResponse:
    body = await request.json()
    ctx = request.state.ctx
    result = operations.orders.place_order.call_with(ctx, body)  # expect-line
    if result.ok:
        operations.orders.cancel_order.enqueue(ctx, order_id=body["hold_id"])  # expect-line
    return JSONResponse({"ok": result.ok})


async def cancel(request: Request) -> JSONResponse:
    body = await request.json()
    execution_id = operations.orders.cancel_order.enqueue_with(request.state.ctx, body)  # expect-line
    return JSONResponse({"execution_id": execution_id})
