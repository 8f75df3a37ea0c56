from opsgen.runtime.operation import Operation


class RenameExpenseBase(Operation):
    """Generated from specs/expenses/rename_expense.yaml."""
