# expect: side-effect-in-transaction
# pattern: Flask-SQLAlchemy: the job row is added, a RabbitMQ message goes out through
#          pika, and only then db.session.commit() runs; a failed commit leaves a
#          message about a job that does not exist
import json

import pika
from flask import Blueprint, jsonify, request

from app.extensions import db
from app.models import ExportJob

bp = Blueprint("exports", __name__)
channel = pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1")).channel()


@bp.route("/exports", methods=["POST"])
def create_export():
    job = ExportJob(owner_id=request.json["owner"], fmt=request.json["format"])
    db.session.add(job)
    db.session.flush()
    channel.basic_publish(exchange="", routing_key="exports", body=json.dumps({"job": job.id}))  # expect-line
    db.session.commit()
    return jsonify(id=job.id), 202
