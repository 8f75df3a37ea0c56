# expect: none
# fixed shape for sfx29: the hook runs from on_commit
from functools import partial

import requests
from django.db import transaction

from tracker.models import Issue


class IssueHooks:
    http = requests.Session()

    def closed(self, issue):
        self.http.post("https://hooks.invalid/closed", json={"issue": issue.pk}, timeout=5)


def close_issue(issue_id):
    with transaction.atomic():
        issue = Issue.objects.select_for_update().get(pk=issue_id)
        issue.closed = True
        issue.save(update_fields=["closed"])
        transaction.on_commit(partial(IssueHooks().closed, issue))
    return issue
