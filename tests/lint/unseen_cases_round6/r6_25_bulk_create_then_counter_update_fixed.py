# expect: none
# fixed shape: both writes in one atomic block
from django.db import transaction
from django.db.models import F

from polls.models import Ballot, Poll


@transaction.atomic
def record_ballots(poll_id, choice_ids, voter):
    Ballot.objects.bulk_create([Ballot(poll_id=poll_id, choice_id=c, voter=voter) for c in choice_ids])
    Poll.objects.filter(pk=poll_id).update(total_votes=F("total_votes") + len(choice_ids))
