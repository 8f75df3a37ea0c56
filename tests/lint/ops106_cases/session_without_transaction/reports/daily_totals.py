# expect: forgotten-transaction
# pattern: a read-only report uses ctx.session, but its spec declares no
#          transaction, so the runtime raises NoTransactionError there
from sqlalchemy import func, select

from reports.generated import DailyTotalsBase
from reports.models import Order


class DailyTotals(DailyTotalsBase):
    def run(self, ctx, *, day):
        total = ctx.session.scalar(select(func.sum(Order.total)).where(Order.day == day))  # expect-line
        return {"total": total or 0}
