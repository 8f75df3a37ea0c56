# expect: side-effect-in-transaction
# pattern: a generator yields each imported chunk from inside transaction.atomic(), so
#          the caller's loop body runs while that block is still open and the welcome
#          mails go out before the chunk commits
import smtplib
from email.message import EmailMessage

from django.db import transaction

from crm.models import Customer


def import_customers(rows, chunk_size=500):
    for start in range(0, len(rows), chunk_size):
        with transaction.atomic():
            created = [Customer.objects.create(**row) for row in rows[start : start + chunk_size]]
            yield created


def welcome_message(customer):
    message = EmailMessage()
    message["From"] = "hello@example.com"
    message["To"] = customer.email
    message["Subject"] = "Welcome aboard"
    message.set_content(f"Hi {customer.first_name}, your account is ready.")
    return message


def import_and_welcome(rows, smtp_host):
    with smtplib.SMTP(smtp_host) as smtp:
        for created in import_customers(rows):
            for customer in created:
                smtp.send_message(welcome_message(customer))  # expect-line
