# expect: non-uniform-interface
# pattern: the report services are awaited through run() and return the URL of the
#          uploaded file, except UsageReport, which uploads in __aenter__ and deletes the
#          object in __aexit__, so it works only as "async with UsageReport(...) as url:".
from reports.storage import delete_object, upload_csv


class RevenueReport:
    def __init__(self, month):
        self.month = month

    async def run(self) -> str:
        return await upload_csv(f"revenue-{self.month}.csv", await self.month.revenue_rows())


class ChurnReport:
    def __init__(self, month):
        self.month = month

    async def run(self) -> str:
        return await upload_csv(f"churn-{self.month}.csv", await self.month.churn_rows())


class UsageReport:
    def __init__(self, month):
        self.month = month
        self.url = None

    async def __aenter__(self) -> str:  # expect-line
        self.url = await upload_csv(f"usage-{self.month}.csv", await self.month.usage_rows())
        return self.url

    async def __aexit__(self, exc_type, exc, tb):
        await delete_object(self.url)
        return False
