from expenses.extensions import db
from expenses.models import Expense


class ExpenseService:
    """The service layer the Flask views use; it writes through the session it is given."""

    def __init__(self, session=None):
        self.session = session or db.session

    def mark_reviewed(self, expense_id):
        expense = self.session.get(Expense, expense_id)
        expense.reviewed = True
        self.session.flush()
