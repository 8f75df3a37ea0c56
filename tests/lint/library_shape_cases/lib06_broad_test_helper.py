# expect: non-uniform-interface
# `ImportJob` has a few helpers and two ways in: `run()` reads the rows itself and
# `process()` takes them from the caller, skipping the validation `run()` does.
import csv


class CwdSnapshot:
    def __init__(self, path):
        self.path = path

    def restore(self):
        return self.path


class ImportJob:
    def __init__(self, path):
        self.path = path

    def load(self):
        with open(self.path) as handle:
            return list(csv.DictReader(handle))

    def validate(self, rows):
        return [row for row in rows if row.get("sku")]

    def run(self):
        return self.process(self.validate(self.load()))

    def process(self, rows):  # expect-line
        return len(rows)
