# expect: none
# fixed shape: every service raises on failure and returns the new balance
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

    def execute(self):
        if self.account.balance < self.amount:
            raise InsufficientFunds(self.account.pk)
        self.account.balance -= self.amount
        return self.account.balance


class FreezeService:
    def __init__(self, account, reason):
        self.account = account
        self.reason = reason

    def execute(self):
        if self.account.frozen:
            raise ValueError("account already frozen")
        self.account.frozen = True
        return self.account.balance
