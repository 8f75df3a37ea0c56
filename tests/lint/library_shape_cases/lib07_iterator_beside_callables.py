# expect: non-uniform-interface
# `FlushBuffer` is no iterator: it is built with its inputs and run through `flush()`,
# while the module's other services are called.
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


class FlushBuffer:
    def __init__(self, buffer, stream):
        self.buffer = buffer
        self.stream = stream

    def flush(self):  # expect-line
        self.stream.write(b"".join(self.buffer))
        self.buffer.clear()
