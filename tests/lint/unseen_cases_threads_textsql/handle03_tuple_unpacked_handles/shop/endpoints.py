# expect: non-uniform-interface
# pattern: two handles are unpacked from a tuple and both called in the coroutine
from starlette.requests import Request
from starlette.responses import JSONResponse

from shop.generated import ops


async def swap_plan(request: Request) -> JSONResponse:
    body = await request.json()
    cancel, subscribe = ops.plans.cancel_subscription, ops.plans.start_subscription
    cancel(request.state.ctx, subscription_id=body["old"])  # expect-line
    result = subscribe(request.state.ctx, plan=body["plan"])  # expect-line
    return JSONResponse({"ok": result.ok})
