# expect: none
# the post_save receiver sends at once, and the only save() runs outside any transaction,
# so the mail leaves after the row is committed
from django.core.mail import send_mail
from django.db.models.signals import post_save
from django.dispatch import receiver

from reviews.models import Submission


@receiver(post_save, sender=Submission)
def announce_ready_for_review(sender, instance, created, **kwargs):
    send_mail("Ready", f"{instance.title} is ready for review.", None, ["editors@example.invalid"])


def submit_for_review(submission):
    submission.state = Submission.READY
    submission.save()
