# expect: non-uniform-interface
# pattern: each service names its entry after its own job, so no verb is the module's to
#          copy; the fault is that one of them is called on the class with its inputs
class OrderService:
    def create_order(self, customer, lines):
        return {"customer": customer.pk, "lines": len(lines)}


class RefundService:
    @staticmethod
    def refund(order, amount):  # expect-line
        return min(amount, order.paid_total)


class InvoiceService:
    def execute(self, order):
        return {"order": order.pk, "total": order.total}


def close_order(customer, lines, amount):
    order = OrderService().create_order(customer, lines)
    RefundService.refund(order, amount)
    return InvoiceService().execute(order)
