# expect: forgotten-transaction
# pattern: ballots inserted with bulk_create(), then the poll's total raised with F();
#          a failure between leaves a total that disagrees with the ballots
from django.db.models import F

from polls.models import Ballot, Poll


def record_ballots(poll_id, choice_ids, voter):
    Ballot.objects.bulk_create([Ballot(poll_id=poll_id, choice_id=c, voter=voter) for c in choice_ids])  # expect-line
    Poll.objects.filter(pk=poll_id).update(total_votes=F("total_votes") + len(choice_ids))
