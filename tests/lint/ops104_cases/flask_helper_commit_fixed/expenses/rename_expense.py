# expect: none
from expenses.generated import RenameExpenseBase
from expenses.legacy import set_description
from expenses.models import ExpenseNote


class RenameExpense(RenameExpenseBase):
    def run(self, ctx, *, expense_id, text):
        set_description(ctx.session, expense_id, text)
        ctx.session.add(ExpenseNote(expense_id=expense_id, text=f"renamed to {text}"))
        ctx.session.flush()
