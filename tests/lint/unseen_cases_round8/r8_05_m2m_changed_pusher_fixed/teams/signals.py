from functools import partial

from django.db import transaction
from django.db.models.signals import m2m_changed
from django.dispatch import receiver

from teams.models import Team
from teams.realtime import broadcast_membership


@receiver(m2m_changed, sender=Team.members.through)
def announce_membership_change(sender, instance, action, pk_set, using, **kwargs):
    if action in ("post_add", "post_remove") and pk_set:
        transaction.on_commit(
            partial(broadcast_membership, instance.pk, sorted(pk_set), action),
            using=using,
        )
