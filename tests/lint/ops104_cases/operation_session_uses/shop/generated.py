from opsgen.runtime.operation import Operation


class PlaceOrderBase(Operation):
    """Generated from specs/shop/place_order.yaml."""


class RebuildTotalsBase(Operation):
    """Generated from specs/shop/rebuild_totals.yaml."""
