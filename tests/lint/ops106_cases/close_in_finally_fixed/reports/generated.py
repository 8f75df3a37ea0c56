from opsgen.runtime.operation import Operation


class MarkExportedBase(Operation):
    """Generated from specs/reports/mark_exported.yaml."""
