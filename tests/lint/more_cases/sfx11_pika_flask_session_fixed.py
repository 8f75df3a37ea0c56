# expect: none
# fixed shape for sfx11: commit first, then publish
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
    db.session.commit()
    channel.basic_publish(exchange="", routing_key="exports", body=json.dumps({"job": job.id}))
    return jsonify(id=job.id), 202
