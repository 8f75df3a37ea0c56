# expect: forgotten-transaction
# pattern: a team is created with get_or_create() and its owner membership is added in
#          a second autocommit write; a failure in between leaves an ownerless team
from django.utils.text import slugify

from teams.models import Membership, Team


def create_team(owner, name):
    slug = slugify(name)
    if not slug:
        raise ValueError(f"team name {name!r} has no usable characters")
    team, created = Team.objects.get_or_create(slug=slug, defaults={"name": name})  # expect-line
    if created:
        Membership.objects.create(team=team, user=owner, role="owner")
    return team
