# expect: none
# fixed shape for txn09: the whole file is one transaction
import csv

from sqlalchemy.orm import Session

from imports.models import Contact


def import_contacts(session: Session, path):
    with open(path, newline="") as handle, session.begin():
        for row in csv.DictReader(handle):
            session.add(Contact(email=row["email"], name=row["name"]))
