# expect: none
# Sentry reporting is diagnostics, not a side effect that a rollback would leave behind.
import sentry_sdk
from sanic import Sanic, json
from slack_sdk.web.async_client import AsyncWebClient

from .models import Subscription

app = Sanic("billing")
slack = AsyncWebClient(token="xoxb-placeholder")


@app.post("/subscriptions/<sub_id:int>/cancel")
async def cancel(request, sub_id: int):
    session = request.ctx.session
    async with session.begin():
        subscription = await session.get(Subscription, sub_id)
        if subscription is None:
            sentry_sdk.capture_message(f"subscription {sub_id} not found")
            return json({"error": "not found"}, status=404)
        subscription.state = "cancelled"
    await slack.chat_postMessage(channel="#billing", text=f"cancelled {sub_id}")
    return json({"state": "cancelled"})
