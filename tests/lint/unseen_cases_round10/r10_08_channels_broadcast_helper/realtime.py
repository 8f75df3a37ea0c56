# expect: side-effect-in-transaction
# pattern: a Django Channels broadcast sits in a helper module. The view that calls it is
#          @transaction.atomic, so browsers refetch the board before the move is committed.
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer


def broadcast_card_moved(card):
    layer = get_channel_layer()
    event = {"type": "card.moved", "card": card.pk, "column": card.column_id}
    async_to_sync(layer.group_send)(f"board-{card.board_id}", event)  # expect-line
