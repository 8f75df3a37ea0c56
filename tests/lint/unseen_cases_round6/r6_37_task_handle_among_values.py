# expect: non-uniform-interface
# pattern: one service enqueues its work and returns the Celery AsyncResult, while the
#          module's other services do the work and return its result
from reports.rendering import render_balance_sheet, render_ledger
from reports.tasks import render_invoices_task


class BalanceSheetReport:
    def __init__(self, account):
        self.account = account

    def run(self):
        return render_balance_sheet(self.account)


class LedgerReport:
    def __init__(self, account):
        self.account = account

    def run(self):
        return render_ledger(self.account)


class InvoiceReport:
    def __init__(self, account):
        self.account = account

    def run(self):  # expect-line
        return render_invoices_task.delay(self.account.pk)
