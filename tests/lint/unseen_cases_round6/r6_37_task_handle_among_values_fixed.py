# expect: none
# fixed shape: every report renders in the call and returns the document; callers that
#          want it in the background enqueue the whole call themselves
from reports.rendering import render_balance_sheet, render_invoices, render_ledger


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

    def run(self):
        return render_invoices(self.account)
