from opsgen.runtime.operation import Operation


class PlaceOrderBase(Operation):
    """Generated from specs/shop/place_order.yaml."""
