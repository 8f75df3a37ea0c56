class BillingError(Exception):
    """Base class of the errors that the billing services raise."""


class AccountNotFound(BillingError):
    pass


class AccountHasOpenInvoices(BillingError):
    pass


class InvoiceNotVoidable(BillingError):
    pass


class StatementPeriodInvalid(BillingError):
    pass
