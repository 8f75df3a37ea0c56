# expect: side-effect-in-transaction
# pattern: the checkout service mails the receipt inside its unit of work, a class whose
#          __enter__ opens session.begin() and whose __exit__ commits; a failure on a later
#          line rolls the order back after the customer got a receipt for it
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
        smtp.send_message(message)  # expect-line
