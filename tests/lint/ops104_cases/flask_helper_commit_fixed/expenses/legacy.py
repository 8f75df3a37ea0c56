from expenses.extensions import db
from expenses.models import Expense


def set_description(session, expense_id, text):
    expense = session.get(Expense, expense_id)
    expense.description = text


def rename_from_form(expense_id, form):
    # The old view keeps its own transaction: it is not an operation.
    set_description(db.session, expense_id, form["description"])
    db.session.commit()
