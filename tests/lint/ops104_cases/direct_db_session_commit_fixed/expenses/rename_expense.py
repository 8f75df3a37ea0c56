# expect: none
from expenses.generated import RenameExpenseBase
from expenses.models import Expense, ExpenseNote


class RenameExpense(RenameExpenseBase):
    def run(self, ctx, *, expense_id, text):
        expense = ctx.session.get(Expense, expense_id)
        expense.description = text
        ctx.session.flush()
        ctx.session.add(ExpenseNote(expense_id=expense_id, text=text))
