# expect: non-uniform-interface
# pattern: a message consumer keeps the registry and one domain as attributes set in
#          __init__; the handle is reached through the attribute chain of those names
from shop.generated.registry import ops as registry


class PaymentConsumer:
    def __init__(self, ctx):
        self.ctx = ctx
        self.operations = registry
        self.billing = registry.billing

    async def on_message(self, event: dict) -> None:
        if event["type"] == "invoice.due":
            self.operations.billing.charge(self.ctx, invoice_id=event["invoice"])  # expect-line
        elif event["type"] == "invoice.refunded":
            self.billing.refund.call_with(self.ctx, {"invoice_id": event["invoice"]})  # expect-line
