# expect: none
# fixed shape: every service takes its inputs when it is built
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


class VoidPayment:
    def __init__(self, payment, reason):
        self.payment = payment
        self.reason = reason

    def run(self):
        return self.payment.void(self.reason)
