# expect: none
# fixed shape: every step exposes run()
class FetchFeedService:
    def __init__(self, source):
        self.source = source

    def run(self):
        return self.source.download()


class ParseFeedService:
    def __init__(self, payload):
        self.payload = payload

    def run(self):
        return [line.split(";") for line in self.payload.splitlines()]


class StoreFeedService:
    def __init__(self, rows):
        self.rows = rows

    def run(self):
        return len(self.rows)


def import_feed(source):
    payload = FetchFeedService(source).run()
    rows = ParseFeedService(payload).run()
    return StoreFeedService(rows).run()
