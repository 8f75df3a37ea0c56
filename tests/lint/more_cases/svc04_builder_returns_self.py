# expect: non-uniform-interface
# pattern: report services: one returns its result, the other returns itself and keeps
#          the result in an attribute, so callers write Report(...).run().rows
class SalesReport:
    def __init__(self, shop):
        self.shop = shop

    def run(self):
        return [order.total for order in self.shop.orders]


class StockReport:
    def __init__(self, shop):
        self.shop = shop
        self.rows = []

    def run(self):  # expect-line
        self.rows = [(item.sku, item.count) for item in self.shop.items]
        return self
