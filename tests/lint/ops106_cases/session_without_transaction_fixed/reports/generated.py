from opsgen.runtime.operation import Operation


class DailyTotalsBase(Operation):
    """Generated from specs/reports/daily_totals.yaml."""
