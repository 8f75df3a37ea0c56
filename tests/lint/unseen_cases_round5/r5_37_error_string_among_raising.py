# expect: non-uniform-interface
# pattern: three account services; two raise on failure, one returns an error message
#          string, so callers that do not check the result treat the failure as success
class InsufficientFunds(Exception):
    pass


class DepositService:
    def __init__(self, account, amount):
        self.account = account
        self.amount = amount

    def execute(self):
        if self.amount <= 0:
            raise ValueError("amount must be positive")
        self.account.balance += self.amount
        return self.account.balance


class WithdrawService:
    def __init__(self, account, amount):
        self.account = account
        self.amount = amount

    def execute(self):  # expect-line: returns an error string instead of raising
        if self.account.balance < self.amount:
            return "insufficient funds"
        self.account.balance -= self.amount
        return self.account.balance


class FreezeService:
    def __init__(self, account, reason):
        self.account = account
        self.reason = reason

    def execute(self):
        if self.account.frozen:
            raise InsufficientFunds("account already frozen")
        self.account.frozen = True
        return self.account.balance
