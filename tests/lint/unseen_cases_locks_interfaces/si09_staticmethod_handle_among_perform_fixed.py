# expect: none
# fixed shape for si09: every service is built with its inputs and run with perform()
class ExportOrders:
    def __init__(self, shop, since):
        self.shop = shop
        self.since = since

    def perform(self):
        return [o.pk for o in self.shop.orders if o.created >= self.since]


class ImportOrders:
    def __init__(self, shop, rows):
        self.shop = shop
        self.rows = rows

    def perform(self):
        return len(self.rows)


class PurgeOrders:
    def __init__(self, shop, before):
        self.shop = shop
        self.before = before

    def perform(self):
        return [o.pk for o in self.shop.orders if o.created < self.before]
