# expect: none
from functools import partial

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from chat.models import Message


def post_message(room, text):
    layer = get_channel_layer()
    with transaction.atomic():
        message = Message.objects.create(room=room, text=text)
        send = async_to_sync(layer.group_send)
        transaction.on_commit(partial(send, f"room-{room.pk}", {"type": "chat.message", "id": message.pk}))
