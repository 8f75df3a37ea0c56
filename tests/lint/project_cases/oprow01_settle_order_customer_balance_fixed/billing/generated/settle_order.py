from opsgen.runtime.operation import Operation


class SettleOrderBase(Operation):
    """Generated from specs/billing/settle_order.yaml."""
