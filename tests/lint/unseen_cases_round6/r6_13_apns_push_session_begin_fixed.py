# expect: none
# fixed shape: the tokens are collected inside the block and pushed after it commits
from apns2.client import APNsClient
from apns2.payload import Payload
from sqlalchemy.orm import Session

from app.models import Device, Message, Receipt

apns = APNsClient("push-cert.pem", use_sandbox=False)


def deliver_message(session: Session, message_id):
    with session.begin():
        message = session.get(Message, message_id)
        session.add(Receipt(message_id=message.id))
        tokens = [d.token for d in session.query(Device).filter_by(user_id=message.user_id)]
        preview = message.preview
    for token in tokens:
        apns.send_notification(token, Payload(alert=preview), topic="com.example.chat")
