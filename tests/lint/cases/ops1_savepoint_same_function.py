# expect: side-effect-in-transaction
# pattern: the inner atomic() is a savepoint; after it the outer block is still open
from django.db import transaction

from teams.models import Team
from teams.tasks import sync_directory


@transaction.atomic
def rename_team(team_id, name):
    team = Team.objects.select_for_update().get(pk=team_id)
    with transaction.atomic():
        team.name = name
        team.save()
    sync_directory.delay(team.pk)  # expect-line
    return team
