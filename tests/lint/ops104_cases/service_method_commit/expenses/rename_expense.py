# expect: forgotten-transaction
# pattern: the operation calls a method of the existing service layer, which commits
#          db.session two calls down; the operation's own write rolls back on failure,
#          the review flag does not
from expenses.generated import RenameExpenseBase
from expenses.models import Expense
from expenses.services import ExpenseService


class RenameExpense(RenameExpenseBase):
    def run(self, ctx, *, expense_id, text):
        expense = ctx.session.get(Expense, expense_id)
        expense.description = text
        ExpenseService().mark_reviewed(expense_id)  # via-indirection
        if not text.strip():
            raise ValueError("the description is empty")
