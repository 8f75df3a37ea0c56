# expect: none
# fixed shape: UsageReport is awaited through run() like its siblings
from reports.storage import upload_csv


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

    async def run(self) -> str:
        return await upload_csv(f"usage-{self.month}.csv", await self.month.usage_rows())
