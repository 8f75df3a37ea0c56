# expect: non-uniform-interface
# pattern: the account services raise AccountError, except import_contacts, which adds
#          its problems to a list the caller passes and returns None; a caller that does
#          not read the list reports an import that never happened as done
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


def import_contacts(account: Account, rows: list[dict], problems: list[str]) -> list[Contact] | None:  # expect-line
    invalid = [row for row in rows if "@" not in row.get("email", "")]
    if invalid:
        problems.append(f"{len(invalid)} rows have no valid e-mail address")
        return None
    return Contact.objects.bulk_create([Contact(account=account, email=row["email"]) for row in rows])
