# expect: none
# fixed shape: every run() returns its result; contacts come back with the rejects
from dataclasses import dataclass, field


@dataclass
class ContactImport:
    imported: list = field(default_factory=list)
    rejected: list = field(default_factory=list)


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

    def run(self):
        result = ContactImport()
        for row in self.rows:
            if row.email:
                result.imported.append(row.to_contact())
            else:
                result.rejected.append(row)
        return result
