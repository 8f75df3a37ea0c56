# expect: none
# fixed shape for r10x_13b: the file is written once the row is committed; the scratch
#          copy made while the rows are checked is a temporary file
import csv
import os
import tempfile

from flask import Blueprint, current_app, request

from reports.extensions import db
from reports.models import Report

bp = Blueprint("reports", __name__)


@bp.post("/reports")
def create_report():
    report = Report(title=request.form["title"])
    db.session.add(report)
    with tempfile.TemporaryFile("w+", newline="") as scratch:
        csv.writer(scratch).writerows(request.json["rows"])
    db.session.commit()
    report_id = report.id
    path = os.path.join(current_app.config["REPORT_DIR"], f"{report_id}.csv")
    with open(path, "w", newline="") as handle:
        csv.writer(handle).writerows(request.json["rows"])
    return {"id": report_id}, 201
