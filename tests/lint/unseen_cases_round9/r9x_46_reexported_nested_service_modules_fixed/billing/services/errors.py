class BillingError(Exception):
    """Base class of the errors that billing services raise."""


class CardDeclined(BillingError):
    pass
