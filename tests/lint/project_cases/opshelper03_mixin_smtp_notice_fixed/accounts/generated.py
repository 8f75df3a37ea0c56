from opsgen.runtime.operation import Operation


class CloseAccountBase(Operation):
    """Generated from specs/accounts/close_account.yaml."""
