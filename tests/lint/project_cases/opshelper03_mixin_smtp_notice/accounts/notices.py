# expect: side-effect-in-transaction
# pattern: the operation gets its e-mail helper from a mixin in another module; the SMTP
#          send runs inside the operation's transaction, so the owner hears of a closure
#          that a later failure rolls back
import smtplib
from email.message import EmailMessage

SMTP_HOST = "smtp.example.invalid"


class OwnerNoticeMixin:
    def notify_owner(self, context, account, subject):
        message = EmailMessage()
        message["To"] = account.owner_email
        message["Subject"] = subject
        message.set_content(f"Account {account.id}: {subject}.")
        self._deliver(message)

    def _deliver(self, message):
        with smtplib.SMTP(SMTP_HOST) as smtp:
            smtp.send_message(message)  # expect-line
