# expect: side-effect-in-transaction
# pattern: a Flask view opens the shared report file for writing after adding the report
#          row and before db.session.commit(). A failed commit leaves a file that names a
#          report the database does not have.
import csv
import os

from flask import Blueprint, current_app, request

from reports.extensions import db
from reports.models import Report

bp = Blueprint("reports", __name__)


@bp.post("/reports")
def create_report():
    report = Report(title=request.form["title"])
    db.session.add(report)
    db.session.flush()
    path = os.path.join(current_app.config["REPORT_DIR"], f"{report.id}.csv")
    with open(path, "w", newline="") as handle:  # expect-line
        csv.writer(handle).writerows(request.json["rows"])
    db.session.commit()
    return {"id": report.id}, 201
