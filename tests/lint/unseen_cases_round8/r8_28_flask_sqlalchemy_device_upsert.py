# expect: missing-lock
# pattern: a push token is registered with query-then-insert; the app sends the same
#          token twice on start-up, both requests find no row, and the user gets every
#          push twice from then on
from datetime import datetime, timezone

from flask import Blueprint, jsonify, request
from flask_login import current_user, login_required

from notify.extensions import db

bp = Blueprint("devices", __name__)


class Device(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    token = db.Column(db.String(255), nullable=False, index=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id"), nullable=False)
    platform = db.Column(db.String(16), nullable=False)
    last_seen_at = db.Column(db.DateTime(timezone=True))


@bp.put("/devices/<token>")
@login_required
def register_device(token):
    device = Device.query.filter_by(token=token).first()  # expect-line
    if device is None:
        device = Device(token=token, user_id=current_user.id, platform=request.json["platform"])
        db.session.add(device)
    else:
        device.user_id = current_user.id
    device.last_seen_at = datetime.now(timezone.utc)
    db.session.commit()
    return jsonify(id=device.id)
