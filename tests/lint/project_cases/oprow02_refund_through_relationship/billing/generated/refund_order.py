from opsgen.runtime.operation import Operation


class RefundOrderBase(Operation):
    """Generated from specs/billing/refund_order.yaml."""
