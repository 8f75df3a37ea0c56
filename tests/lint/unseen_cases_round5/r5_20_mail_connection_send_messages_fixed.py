# expect: none
# fixed shape: the batch is sent after the commit
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
        transaction.on_commit(lambda: mail.get_connection().send_messages(messages))
        poll.archive_results()
