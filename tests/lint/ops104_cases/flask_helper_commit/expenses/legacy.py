from expenses.extensions import db
from expenses.models import Expense


def set_description(expense_id, text):
    expense = db.session.get(Expense, expense_id)
    expense.description = text
    db.session.commit()
