# expect: non-uniform-interface
# pattern: Service classes run with perform(), plus one with a staticmethod handle();
#          two verbs and two binding styles in the same layer
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
    @staticmethod
    def handle(shop, before):  # expect-line
        return [o.pk for o in shop.orders if o.created < before]
