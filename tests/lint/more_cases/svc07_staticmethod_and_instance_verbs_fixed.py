# expect: none
# fixed shape for svc07: every payout service takes its inputs in the constructor
class SchedulePayout:
    def __init__(self, seller, amount):
        self.seller = seller
        self.amount = amount

    def execute(self):
        return {"seller": self.seller.pk, "amount": self.amount}


class HoldPayout:
    def __init__(self, payout):
        self.payout = payout

    def execute(self):
        self.payout.held = True
        return self.payout


class ReleasePayout:
    def __init__(self, payout, approver):
        self.payout = payout
        self.approver = approver

    def execute(self):
        self.payout.held = False
        self.payout.approved_by = self.approver
        return self.payout
