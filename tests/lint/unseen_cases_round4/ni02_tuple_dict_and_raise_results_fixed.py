# expect: none
# fixed shape: every service returns the account and raises AccountError on failure
class AccountError(Exception):
    pass


class OpenAccount:
    def __init__(self, customer, currency):
        self.customer = customer
        self.currency = currency

    def perform(self):
        if self.customer.accounts.filter(currency=self.currency).exists():
            raise AccountError(f"customer {self.customer.pk} already has a {self.currency} account")
        return self.customer.accounts.create(currency=self.currency)


class FreezeAccount:
    def __init__(self, account, reason):
        self.account = account
        self.reason = reason

    def perform(self):
        if self.account.frozen:
            raise AccountError(f"account {self.account.pk} is already frozen")
        self.account.frozen = True
        self.account.freeze_reason = self.reason
        self.account.save(update_fields=["frozen", "freeze_reason"])
        return self.account


class CloseAccount:
    def __init__(self, account):
        self.account = account

    def perform(self):
        if self.account.balance:
            raise AccountError(f"account {self.account.pk} still has a balance")
        self.account.closed = True
        self.account.save(update_fields=["closed"])
        return self.account


class RenameAccount:
    def __init__(self, account, name):
        self.account = account
        self.name = name

    def perform(self):
        if not self.name.strip():
            raise AccountError(f"the new name of account {self.account.pk} is empty")
        self.account.name = self.name.strip()
        self.account.save(update_fields=["name"])
        return self.account
