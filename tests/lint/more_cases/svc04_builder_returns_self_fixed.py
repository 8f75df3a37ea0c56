# expect: none
# fixed shape for svc04: both services return their rows
class SalesReport:
    def __init__(self, shop):
        self.shop = shop

    def run(self):
        return [order.total for order in self.shop.orders]


class StockReport:
    def __init__(self, shop):
        self.shop = shop

    def run(self):
        return [(item.sku, item.count) for item in self.shop.items]
