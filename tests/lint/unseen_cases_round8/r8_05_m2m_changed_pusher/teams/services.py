from django.db import transaction
from django.db.models import Count

from teams.models import Invitation, Team


@transaction.atomic
def add_members(team_id, users, invited_by):
    team = Team.objects.select_for_update().get(pk=team_id)
    Invitation.objects.bulk_create(
        [Invitation(team=team, user=user, invited_by=invited_by) for user in users]
    )
    team.members.add(*users)  # via-indirection: m2m_changed fires here, inside the block
    team.seats_used = Team.objects.filter(pk=team.pk).aggregate(n=Count("members"))["n"]
    team.save(update_fields=["seats_used"])
    return team
