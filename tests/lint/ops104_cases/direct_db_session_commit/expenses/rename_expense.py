# expect: forgotten-transaction
# pattern: run() was ported from a Flask view and kept the view's db.session.commit();
#          db.session is not the operation's session, so that commit is a transaction
#          of its own
from expenses.extensions import db
from expenses.generated import RenameExpenseBase
from expenses.models import Expense, ExpenseNote


class RenameExpense(RenameExpenseBase):
    def run(self, ctx, *, expense_id, text):
        expense = db.session.get(Expense, expense_id)
        expense.description = text
        db.session.commit()  # expect-line
        ctx.session.add(ExpenseNote(expense_id=expense_id, text=text))
