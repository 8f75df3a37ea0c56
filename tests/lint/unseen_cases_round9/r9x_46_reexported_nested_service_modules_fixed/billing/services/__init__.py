from .cards.vault import attach_card, detach_card
from .errors import BillingError, CardDeclined
from .invoices.issue import issue_invoice, void_invoice

__all__ = ["BillingError", "CardDeclined", "attach_card", "detach_card", "issue_invoice", "void_invoice"]
