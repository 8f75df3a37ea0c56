# expect: none
# fixed shape for lib03: each `return self` here is part of a protocol. The query
# builder's `apply()` is one step of a chain, like `sort_by()`. The named cursor's
# `execute()` returns the cursor, whose rows come from `fetchall()`. The lifespan's
# `__call__()` hands the instance back to be entered with `async with`.
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


class NamedCursor:
    def __init__(self, cursor, name):
        self.cursor = cursor
        self.name = name

    def execute(self, sql, params=()):
        self.cursor.execute(f"DECLARE {self.name} NO SCROLL CURSOR FOR {sql}", params)
        return self

    def fetchall(self):
        self.cursor.execute(f"FETCH FORWARD ALL FROM {self.name}")
        return self.cursor.fetchall()


class StartupLifespan:
    def __init__(self, router):
        self.router = router

    async def __aenter__(self):
        await self.router.startup()

    async def __aexit__(self, *exc_info):
        await self.router.shutdown()

    def __call__(self, app):
        return self
