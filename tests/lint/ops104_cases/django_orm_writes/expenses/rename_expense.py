# expect: none
# pattern: under the Django runtime the operation's transaction is Django's atomic block,
#          so the helpers' ORM writes, and the savepoint of their own atomic(), join it
from expenses.generated import RenameExpenseBase
from expenses.services import add_note, set_description


class RenameExpense(RenameExpenseBase):
    def run(self, ctx, *, expense_id, text):
        set_description(expense_id, text)
        add_note(expense_id, f"renamed to {text}")
