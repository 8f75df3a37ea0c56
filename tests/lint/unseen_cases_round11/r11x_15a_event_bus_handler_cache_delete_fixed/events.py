class EventBus:
    def __init__(self):
        self._handlers = {}

    def on(self, event, handler):
        self._handlers.setdefault(event, []).append(handler)

    def emit(self, event, payload):
        for handler in self._handlers.get(event, []):
            handler(payload)


bus = EventBus()
