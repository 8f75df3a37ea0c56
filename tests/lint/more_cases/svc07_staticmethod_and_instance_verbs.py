# expect: non-uniform-interface
# pattern: one service is a staticmethod bag called as Payouts.execute(...), the others
#          are built with their inputs and then run with execute()
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
    @staticmethod
    def execute(payout, approver):  # expect-line
        payout.held = False
        payout.approved_by = approver
        return payout
