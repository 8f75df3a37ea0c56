# expect: forgotten-transaction
# pattern: a CSV import commits once per row; a bad row in the middle leaves the file
#          half imported, and running it again imports the first half twice
import csv

from sqlalchemy.orm import Session

from imports.models import Contact


def import_contacts(session: Session, path):
    with open(path, newline="") as handle:
        for row in csv.DictReader(handle):
            session.add(Contact(email=row["email"], name=row["name"]))  # expect-line
            session.commit()
