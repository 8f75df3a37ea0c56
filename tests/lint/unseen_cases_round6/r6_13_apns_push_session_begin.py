# expect: side-effect-in-transaction
# pattern: an APNs push sent with the apns2 client inside session.begin(); the block can
#          still roll back after the phone showed the message
from apns2.client import APNsClient
from apns2.payload import Payload
from sqlalchemy.orm import Session

from app.models import Device, Message, Receipt

apns = APNsClient("push-cert.pem", use_sandbox=False)


def deliver_message(session: Session, message_id):
    with session.begin():
        message = session.get(Message, message_id)
        session.add(Receipt(message_id=message.id))
        for device in session.query(Device).filter_by(user_id=message.user_id):
            apns.send_notification(device.token, Payload(alert=message.preview), topic="com.example.chat")  # expect-line
