# expect: none
# fixed shape for r10x_38a: import_contacts raises AccountError like the other services
from accounts.errors import AccountError
from accounts.models import Account, Contact


def open_account(owner, plan: str) -> Account:
    if plan not in ("free", "team"):
        raise AccountError(f"unknown plan {plan!r}")
    return Account.objects.create(owner=owner, plan=plan)


def close_account(account: Account) -> Account:
    if account.balance:
        raise AccountError(f"account {account.pk} still has a balance")
    account.closed = True
    account.save(update_fields=["closed"])
    return account


def import_contacts(account: Account, rows: list[dict]) -> list[Contact]:
    invalid = [row for row in rows if "@" not in row.get("email", "")]
    if invalid:
        raise AccountError(f"{len(invalid)} rows have no valid e-mail address")
    return Contact.objects.bulk_create([Contact(account=account, email=row["email"]) for row in rows])
