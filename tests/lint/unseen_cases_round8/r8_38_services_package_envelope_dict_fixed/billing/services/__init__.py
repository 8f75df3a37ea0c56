from billing.services.accounts import close_account
from billing.services.invoices import void_invoice
from billing.services.statements import build_statement

__all__ = ["build_statement", "close_account", "void_invoice"]
