from opsgen.runtime.operation import Operation


class TransferBase(Operation):
    """Generated from specs/bank/transfer.yaml."""
