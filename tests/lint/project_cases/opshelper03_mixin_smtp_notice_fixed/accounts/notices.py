# expect: none
# fixed shape for opshelper03: the mixin hands the send to the context's after-commit hook
import smtplib
from email.message import EmailMessage
from functools import partial

SMTP_HOST = "smtp.example.invalid"


class OwnerNoticeMixin:
    def notify_owner(self, context, account, subject):
        message = EmailMessage()
        message["To"] = account.owner_email
        message["Subject"] = subject
        message.set_content(f"Account {account.id}: {subject}.")
        context.after_commit(partial(self._deliver, message))

    def _deliver(self, message):
        with smtplib.SMTP(SMTP_HOST) as smtp:
            smtp.send_message(message)
