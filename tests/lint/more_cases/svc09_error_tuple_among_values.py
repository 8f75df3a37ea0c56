# expect: non-uniform-interface
# pattern: inventory services share execute(), but one reports failure as an
#          (value, error) tuple while the others return the value and raise on error
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

    def execute(self):  # expect-line
        if self.item.count < self.count:
            return None, "not enough stock"
        self.item.count -= self.count
        return self.item, None


class MoveStock:
    def __init__(self, item, shelf):
        self.item = item
        self.shelf = shelf

    def execute(self):
        if self.shelf.full:
            raise StockError(f"shelf {self.shelf.code} is full")
        self.item.shelf = self.shelf
        return self.item
