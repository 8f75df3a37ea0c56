# expect: none
# fixed shape for r8_04: the service mails the receipt after the unit of work commits
import smtplib
from email.message import EmailMessage

SMTP_HOST = "smtp.internal"
SENDER = "shop@example.com"


def send_receipt(to_address, order_id, total):
    message = EmailMessage()
    message["From"] = SENDER
    message["To"] = to_address
    message["Subject"] = f"Receipt for order {order_id}"
    message.set_content(f"We received your order {order_id}. Total: {total}.")
    with smtplib.SMTP(SMTP_HOST, 587, timeout=10) as smtp:
        smtp.starttls()
        smtp.send_message(message)
