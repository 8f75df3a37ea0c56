# expect: none
# pattern: the handle calls run in a worker thread through run_in_threadpool,
#          asyncio.to_thread and loop.run_in_executor
import asyncio
import functools

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse

from shop.generated.registry import ops as operations


async def place(request: Request) -> JSONResponse:
    body = await request.json()
    ctx = request.state.ctx
    result = await run_in_threadpool(operations.orders.place_order.call_with, ctx, body)
    if result.ok:
        await asyncio.to_thread(lambda: operations.orders.cancel_order.enqueue(ctx, order_id=body["hold_id"]))
    return JSONResponse({"ok": result.ok})


async def cancel(request: Request) -> JSONResponse:
    body = await request.json()
    loop = asyncio.get_running_loop()
    enqueue = functools.partial(operations.orders.cancel_order.enqueue_with, request.state.ctx, body)
    execution_id = await loop.run_in_executor(None, enqueue)
    return JSONResponse({"execution_id": execution_id})
