from opsgen.runtime.operation import Operation


class ReleaseOrderBase(Operation):
    """Generated from specs/fulfilment/release_order.yaml."""
