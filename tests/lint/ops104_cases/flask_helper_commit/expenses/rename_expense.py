# expect: forgotten-transaction
# pattern: the operation reuses a Flask-SQLAlchemy helper written before opsgen; the
#          helper commits db.session, a second transaction, so its change survives when
#          the note below fails and the operation's transaction rolls back
from expenses.generated import RenameExpenseBase
from expenses.legacy import set_description
from expenses.models import ExpenseNote


class RenameExpense(RenameExpenseBase):
    def run(self, ctx, *, expense_id, text):
        set_description(expense_id, text)  # via-indirection
        ctx.session.add(ExpenseNote(expense_id=expense_id, text=f"renamed to {text}"))
        ctx.session.flush()
