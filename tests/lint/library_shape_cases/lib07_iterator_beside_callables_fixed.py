# expect: none
# fixed shape for lib07: `CheckedIterator` is built with its inputs and has one public
# method, `close()`, but callers use it through `for`, so it is no command object
# beside the two `__call__()` services.
class CheckedWrite:
    def __init__(self, write):
        self.write = write

    def __call__(self, data):
        assert isinstance(data, bytes), "write() expects bytes"
        return self.write(data)


class CheckedStartResponse:
    def __init__(self, start_response):
        self.start_response = start_response

    def __call__(self, status, headers):
        assert status[:3].isdigit(), "status must start with a code"
        return self.start_response(status, headers)


class CheckedIterator:
    def __init__(self, iterable, check_close):
        self.iterator = iter(iterable)
        self.check_close = check_close
        self.closed = False

    def __iter__(self):
        return self

    def __next__(self):
        return next(self.iterator)

    def close(self):
        self.closed = True
        self.check_close()
