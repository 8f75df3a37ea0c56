from opsgen.runtime.operation import Operation


class CloseInvoiceBase(Operation):
    """Generated from specs/billing/close_invoice.yaml."""
