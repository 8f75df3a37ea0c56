from django.db import transaction

from expenses.models import Expense, ExpenseNote


def set_description(expense_id, text):
    Expense.objects.filter(pk=expense_id).update(description=text)


@transaction.atomic
def add_note(expense_id, text):
    ExpenseNote.objects.create(expense_id=expense_id, text=text)
