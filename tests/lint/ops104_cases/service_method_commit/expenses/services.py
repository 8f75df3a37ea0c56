from expenses.extensions import db
from expenses.models import Expense


class ExpenseService:
    """The service layer the Flask views use."""

    def mark_reviewed(self, expense_id):
        expense = Expense.query.get(expense_id)
        expense.reviewed = True
        self._save()

    def _save(self):
        db.session.commit()
