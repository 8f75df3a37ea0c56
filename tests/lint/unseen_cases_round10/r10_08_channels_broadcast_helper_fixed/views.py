from django.db import transaction
from django.http import JsonResponse
from django.views.decorators.http import require_POST

from .models import Card, CardEvent
from .realtime import broadcast_card_moved


@require_POST
@transaction.atomic
def move_card(request, card_id):
    card = Card.objects.get(pk=card_id, board__members=request.user)
    card.column_id = int(request.POST["column"])
    card.save(update_fields=["column"])
    broadcast_card_moved(card)
    CardEvent.objects.create(card=card, actor=request.user, kind="moved")
    return JsonResponse({"ok": True})
