from opsgen.runtime.operation import Operation


class ResolveTicketBase(Operation):
    """Generated from specs/support/resolve_ticket.yaml."""
