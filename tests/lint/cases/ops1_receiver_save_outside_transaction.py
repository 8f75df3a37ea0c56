# expect: side-effect-in-transaction
# pattern: the receiver sends at once; the save() that fires it runs inside atomic()
from django.core.mail import send_mail
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from reviews.models import Submission


@receiver(post_save, sender=Submission)
def announce_ready_for_review(sender, instance, created, **kwargs):
    send_mail("Ready", f"{instance.title} is ready for review.", None, ["editors@example.invalid"])  # expect-line


def submit_for_review(submission):
    with transaction.atomic():
        submission.state = Submission.READY
        submission.save()  # via-indirection
        submission.reviewers.clear()
