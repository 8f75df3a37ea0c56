# expect: none
# fixed shape for r10_08: the helper defers the broadcast until the COMMIT
from functools import partial

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction


def broadcast_card_moved(card):
    layer = get_channel_layer()
    event = {"type": "card.moved", "card": card.pk, "column": card.column_id}
    transaction.on_commit(partial(async_to_sync(layer.group_send), f"board-{card.board_id}", event))
