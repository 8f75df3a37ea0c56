# expect: none
# fixed shape for svc11: every invoice service is built with its inputs
class BuildInvoice:
    def __init__(self, order):
        self.order = order

    def execute(self):
        return [line.total for line in self.order.lines]


class SendInvoice:
    def __init__(self, invoice):
        self.invoice = invoice

    def execute(self):
        return self.invoice.customer.email


class VoidInvoice:
    def __init__(self, invoice, reason):
        self.invoice = invoice
        self.reason = reason

    def execute(self):
        self.invoice.void_reason = self.reason
        return self.invoice
