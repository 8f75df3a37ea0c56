# expect: non-uniform-interface
# pattern: two services are built with their inputs; a third is built empty and must be
#          fed through setter methods before run(), or it fails on None
class RefundPayment:
    def __init__(self, payment, amount):
        self.payment = payment
        self.amount = amount

    def run(self):
        return self.payment.refund(self.amount)


class CapturePayment:
    def __init__(self, payment, amount):
        self.payment = payment
        self.amount = amount

    def run(self):
        return self.payment.capture(self.amount)


class VoidPayment:  # expect-line
    def __init__(self):
        self.payment = None
        self.reason = None

    def set_payment(self, payment):
        self.payment = payment

    def set_reason(self, reason):
        self.reason = reason

    def run(self):  # expect-line
        return self.payment.void(self.reason)
