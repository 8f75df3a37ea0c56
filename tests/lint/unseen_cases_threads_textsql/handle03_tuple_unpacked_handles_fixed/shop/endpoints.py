# expect: none
# fixed shape for handle03: the endpoint is a plain def, which Starlette runs in a thread pool
from starlette.requests import Request
from starlette.responses import JSONResponse

from shop.generated import ops


def swap_plan(request: Request) -> JSONResponse:
    body = request.state.body
    cancel, subscribe = ops.plans.cancel_subscription, ops.plans.start_subscription
    cancel(request.state.ctx, subscription_id=body["old"])
    result = subscribe(request.state.ctx, plan=body["plan"])
    return JSONResponse({"ok": result.ok})
