# expect: side-effect-in-transaction
# pattern: a batch of EmailMessage objects sent over one connection (send_messages) inside
#          atomic(); a failure while closing the poll rolls back, the mails are out
from django.core import mail
from django.db import transaction

from polls.models import Poll


def close_poll(poll_id):
    with transaction.atomic():
        poll = Poll.objects.select_for_update().get(pk=poll_id)
        poll.closed = True
        poll.save(update_fields=["closed"])
        messages = [
            mail.EmailMessage("Poll closed", f"Results for {poll.question}", to=[voter.email])
            for voter in poll.voters.all()
        ]
        connection = mail.get_connection()
        connection.send_messages(messages)  # expect-line
        poll.archive_results()
