# expect: none
# fixed shape for svc05: every service is a callable built with its collaborators
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
    def __init__(self, directory):
        self.directory = directory

    def __call__(self, customer):
        customer.closed = True
        return self.directory.save(customer)
