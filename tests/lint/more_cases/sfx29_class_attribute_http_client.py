# expect: side-effect-in-transaction
# pattern: the HTTP client is a class attribute of a notifier, not an instance attribute
#          set in __init__; closing an issue calls it from inside atomic()
import requests
from django.db import transaction

from tracker.models import Issue


class IssueHooks:
    http = requests.Session()

    def closed(self, issue):
        self.http.post("https://hooks.invalid/closed", json={"issue": issue.pk}, timeout=5)  # expect-line


def close_issue(issue_id):
    with transaction.atomic():
        issue = Issue.objects.select_for_update().get(pk=issue_id)
        issue.closed = True
        issue.save(update_fields=["closed"])
        IssueHooks().closed(issue)  # via-indirection
    return issue
