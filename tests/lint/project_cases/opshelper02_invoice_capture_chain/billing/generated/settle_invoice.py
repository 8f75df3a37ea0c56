from opsgen.runtime.operation import Operation


class SettleInvoiceBase(Operation):
    """Generated from specs/billing/settle_invoice.yaml."""
