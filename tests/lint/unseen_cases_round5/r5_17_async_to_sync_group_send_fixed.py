# expect: none
# fixed shape: the broadcast is deferred with on_commit
from functools import partial

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.http import JsonResponse

from boards.models import Card


def move_card(request, card_id):
    layer = get_channel_layer()
    with transaction.atomic():
        card = Card.objects.select_for_update().get(pk=card_id)
        card.column_id = int(request.POST["column"])
        card.save(update_fields=["column"])
        broadcast = async_to_sync(layer.group_send)
        transaction.on_commit(
            partial(broadcast, f"board-{card.board_id}", {"type": "card.moved", "card": card.pk})
        )
        card.board.touch()
    return JsonResponse({"ok": True})
