# expect: none
# fixed shape for svc09: every execute() returns the item or raises StockError
class StockError(Exception):
    pass


class AddStock:
    def __init__(self, item, count):
        self.item = item
        self.count = count

    def execute(self):
        self.item.count += self.count
        return self.item


class RemoveStock:
    def __init__(self, item, count):
        self.item = item
        self.count = count

    def execute(self):
        if self.item.count < self.count:
            raise StockError("not enough stock")
        self.item.count -= self.count
        return self.item


class MoveStock:
    def __init__(self, item, shelf):
        self.item = item
        self.shelf = shelf

    def execute(self):
        if self.shelf.full:
            raise StockError(f"shelf {self.shelf.code} is full")
        self.item.shelf = self.shelf
        return self.item
