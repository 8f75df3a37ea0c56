from opsgen.runtime.operation import Operation


class RedeemCouponBase(Operation):
    """Generated from specs/shop/redeem_coupon.yaml."""
