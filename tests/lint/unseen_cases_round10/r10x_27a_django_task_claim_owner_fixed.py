# expect: none
# fixed shape for r10x_27a: select_for_update(skip_locked=True) gives each reviewer a
#          different pending submission
from django.db import models, transaction


class Submission(models.Model):
    status = models.CharField(max_length=16, default="pending")
    reviewer = models.ForeignKey("auth.User", null=True, on_delete=models.SET_NULL)
    created = models.DateTimeField(auto_now_add=True)


def next_for_review(reviewer):
    with transaction.atomic():
        submission = Submission.objects.select_for_update(skip_locked=True).filter(status="pending").order_by("created").first()
        if submission is None:
            return None
        submission.status = "in_review"
        submission.reviewer = reviewer
        submission.save(update_fields=["status", "reviewer"])
    return submission
