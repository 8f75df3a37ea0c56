# expect: none
from expenses.generated import RenameExpenseBase
from expenses.models import Expense
from expenses.services import ExpenseService


class RenameExpense(RenameExpenseBase):
    def run(self, ctx, *, expense_id, text):
        expense = ctx.session.get(Expense, expense_id)
        expense.description = text
        ExpenseService(ctx.session).mark_reviewed(expense_id)
        if not text.strip():
            raise ValueError("the description is empty")
