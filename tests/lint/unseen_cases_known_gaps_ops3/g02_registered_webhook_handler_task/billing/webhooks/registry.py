from collections.abc import Callable

HANDLERS: dict[str, Callable[[dict], None]] = {}


def handles(event_type):
    def register(handler):
        HANDLERS[event_type] = handler
        return handler

    return register
