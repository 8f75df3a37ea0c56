# expect: missing-lock
# pattern: a review queue hands out the oldest pending submission with a plain first(),
#          so two reviewers who click at once both get it and both are stored as its
#          reviewer, the later one overwriting the earlier
from django.db import models, transaction


class Submission(models.Model):
    status = models.CharField(max_length=16, default="pending")
    reviewer = models.ForeignKey("auth.User", null=True, on_delete=models.SET_NULL)
    created = models.DateTimeField(auto_now_add=True)


def next_for_review(reviewer):
    with transaction.atomic():
        submission = Submission.objects.filter(status="pending").order_by("created").first()  # expect-line
        if submission is None:
            return None
        submission.status = "in_review"
        submission.reviewer = reviewer
        submission.save(update_fields=["status", "reviewer"])
    return submission
