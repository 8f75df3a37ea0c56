# expect: non-uniform-interface
# Beside a fluent query builder, `StockReport.run()` keeps its rows in an attribute and
# returns itself, so callers must know to read `.rows`.
class AggregateQuery:
    def __init__(self, query):
        self.steps = ["AGGREGATE", query]

    def apply(self, **expressions):
        for alias, expression in expressions.items():
            self.steps += ["APPLY", expression, "AS", alias]
        return self

    def sort_by(self, *fields):
        self.steps += ["SORTBY", str(len(fields)), *fields]
        return self

    def build_args(self):
        return list(self.steps)


class StockReport:
    def __init__(self, shop):
        self.shop = shop
        self.rows = []

    def run(self):  # expect-line
        self.rows = [(item.sku, item.count) for item in self.shop.items]
        return self
