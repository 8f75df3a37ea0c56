# expect: none
from sqlalchemy import func, select

from reports.generated import DailyTotalsBase
from reports.models import Order


class DailyTotals(DailyTotalsBase):
    def run(self, ctx, *, day):
        with ctx.runtime.session_factory() as session:
            total = session.scalar(select(func.sum(Order.total)).where(Order.day == day))
        return {"total": total or 0}
