# expect: non-uniform-interface
# pattern: two account services return the account and raise on failure, one returns an
#          (ok, error) pair and one a {"ok": ..., "error": ...} dict; a caller written
#          for the first shape treats the failure tuple as a truthy success
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

    def perform(self):  # expect-line
        if self.account.balance:
            return False, "the balance must be zero"
        self.account.closed = True
        self.account.save(update_fields=["closed"])
        return True, None


class RenameAccount:
    def __init__(self, account, name):
        self.account = account
        self.name = name

    def perform(self):  # expect-line
        if not self.name.strip():
            return {"ok": False, "error": "the name is empty"}
        self.account.name = self.name.strip()
        self.account.save(update_fields=["name"])
        return {"ok": True, "account": self.account}
