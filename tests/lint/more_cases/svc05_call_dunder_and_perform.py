# expect: non-uniform-interface
# pattern: billing services: two are callables (__call__), one is run with perform(),
#          so every caller has to remember which is which
class ChargeCard:
    def __init__(self, gateway):
        self.gateway = gateway

    def __call__(self, customer, amount):
        return self.gateway.charge(customer.card_token, amount)


class IssueCredit:
    def __init__(self, ledger):
        self.ledger = ledger

    def __call__(self, customer, amount):
        return self.ledger.credit(customer.pk, amount)


class CloseAccount:
    def __init__(self, customer):
        self.customer = customer

    def perform(self):  # expect-line
        self.customer.closed = True
        return self.customer
