# expect: none
# fixed shape: execute() hands the announcement to on_commit
from django.conf import settings
from django.db import transaction
from slack_sdk import WebClient

from expenses.models import AuditEntry


class ApproveExpense:
    def __init__(self, expense, approver):
        self.expense = expense
        self.approver = approver

    @transaction.atomic
    def execute(self):
        self.expense.status = "approved"
        self.expense.approved_by = self.approver
        self.expense.save(update_fields=["status", "approved_by"])
        AuditEntry.objects.create(target=self.expense, actor=self.approver, action="approve")
        transaction.on_commit(self._announce)
        return self.expense

    def _announce(self):
        slack = WebClient(token=settings.SLACK_BOT_TOKEN)
        slack.chat_postMessage(
            channel=settings.FINANCE_CHANNEL,
            text=f"{self.approver} approved expense #{self.expense.pk}",
        )
