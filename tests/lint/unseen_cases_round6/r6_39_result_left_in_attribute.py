# expect: non-uniform-interface
# pattern: one service's run() returns None and leaves its results in attributes that
#          callers must know to read, while the others return their result
class ImportProducts:
    def __init__(self, rows):
        self.rows = rows

    def run(self):
        return [row.to_product() for row in self.rows]


class ImportPrices:
    def __init__(self, rows):
        self.rows = rows

    def run(self):
        return [row.to_price() for row in self.rows]


class ImportContacts:
    def __init__(self, rows):
        self.rows = rows
        self.imported = []
        self.rejected = []

    def run(self):  # expect-line
        for row in self.rows:
            if row.email:
                self.imported.append(row.to_contact())
            else:
                self.rejected.append(row)
