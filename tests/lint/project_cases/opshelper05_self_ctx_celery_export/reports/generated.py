from opsgen.runtime.operation import Operation


class RequestExportBase(Operation):
    """Generated from specs/reports/request_export.yaml."""
