# expect: none
# fixed shape for r8_28: the token is unique, and one INSERT ... ON CONFLICT DO UPDATE
# inserts or takes over the row
from datetime import datetime, timezone

from flask import Blueprint, jsonify, request
from flask_login import current_user, login_required
from sqlalchemy.dialects.postgresql import insert

from notify.extensions import db

bp = Blueprint("devices", __name__)


class Device(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    token = db.Column(db.String(255), nullable=False, unique=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id"), nullable=False)
    platform = db.Column(db.String(16), nullable=False)
    last_seen_at = db.Column(db.DateTime(timezone=True))


@bp.put("/devices/<token>")
@login_required
def register_device(token):
    now = datetime.now(timezone.utc)
    statement = (
        insert(Device)
        .values(token=token, user_id=current_user.id, platform=request.json["platform"], last_seen_at=now)
        .on_conflict_do_update(
            index_elements=[Device.token],
            set_={"user_id": current_user.id, "last_seen_at": now},
        )
        .returning(Device.id)
    )
    device_id = db.session.scalar(statement)
    db.session.commit()
    return jsonify(id=device_id)
