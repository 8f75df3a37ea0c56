# expect: none
# fixed shape for txn08: the team and its owner commit together
from django.db import transaction
from django.utils.text import slugify

from teams.models import Membership, Team


def create_team(owner, name):
    slug = slugify(name)
    if not slug:
        raise ValueError(f"team name {name!r} has no usable characters")
    with transaction.atomic():
        team, created = Team.objects.get_or_create(slug=slug, defaults={"name": name})
        if created:
            Membership.objects.create(team=team, user=owner, role="owner")
    return team
