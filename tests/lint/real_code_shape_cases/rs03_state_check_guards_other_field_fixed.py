# expect: none
# fixed shape for rs03: the desk row stays locked until the transaction ends.
from django.db import transaction

from offices.models import Desk


def hold_desk(desk_id, person):
    with transaction.atomic():
        desk = Desk.objects.select_for_update().get(pk=desk_id)
        if desk.state != "held":
            desk.state = "held"
            desk.holder = person
            desk.save()
