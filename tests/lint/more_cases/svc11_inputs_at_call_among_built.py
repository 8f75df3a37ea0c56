# expect: non-uniform-interface
# pattern: invoice services share execute(), but two are built with their inputs and one
#          takes them as arguments, so VoidInvoice(invoice).execute() fails at run time
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
    def execute(self, invoice, reason):  # expect-line
        invoice.void_reason = reason
        return invoice
