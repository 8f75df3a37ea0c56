# expect: none
# fixed shape for handle02: the consumer's handler is a plain method that the worker runs
#          in a thread
from shop.generated.registry import ops as registry


class PaymentConsumer:
    def __init__(self, ctx):
        self.ctx = ctx
        self.operations = registry
        self.billing = registry.billing

    def on_message(self, event: dict) -> None:
        if event["type"] == "invoice.due":
            self.operations.billing.charge(self.ctx, invoice_id=event["invoice"])
        elif event["type"] == "invoice.refunded":
            self.billing.refund.call_with(self.ctx, {"invoice_id": event["invoice"]})
