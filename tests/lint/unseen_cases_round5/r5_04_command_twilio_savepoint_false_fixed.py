# expect: none
# fixed shape: each SMS is queued for after the commit, bound to its own row's values
from functools import partial

from django.core.management.base import BaseCommand
from django.db import transaction
from twilio.rest import Client

from clinic.models import Appointment


class Command(BaseCommand):
    help = "Send reminders for tomorrow's appointments"

    def handle(self, *args, **options):
        client = Client(options.get("sid"), options.get("token"))
        with transaction.atomic(savepoint=False):
            for appointment in Appointment.objects.due_tomorrow():
                appointment.reminded = True
                appointment.save(update_fields=["reminded"])
                transaction.on_commit(
                    partial(
                        client.messages.create,
                        to=appointment.patient_phone,
                        from_="+15550000000",
                        body=f"Reminder: {appointment.starts_at:%H:%M}",
                    )
                )
