# expect: none
# pattern: every service takes its inputs as arguments of an instance method; the domain
#          verbs stay as they are
class OrderService:
    def create_order(self, customer, lines):
        return {"customer": customer.pk, "lines": len(lines)}


class RefundService:
    def refund(self, order, amount):
        return min(amount, order.paid_total)


class InvoiceService:
    def execute(self, order):
        return {"order": order.pk, "total": order.total}


def close_order(customer, lines, amount):
    order = OrderService().create_order(customer, lines)
    RefundService().refund(order, amount)
    return InvoiceService().execute(order)
