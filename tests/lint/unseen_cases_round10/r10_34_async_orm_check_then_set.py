# expect: missing-lock
# pattern: Django's async ORM reads a gift card, checks that it is unredeemed and saves the
#          redeemer. Two requests at once both pass the check, and both get a success
#          response with the card's value.
from django.http import JsonResponse
from django.utils import timezone

from giftcards.models import GiftCard


async def redeem_gift_card(request, code):
    user = await request.auser()
    card = await GiftCard.objects.aget(code=code)  # expect-line
    if card.redeemed_by_id is not None:
        return JsonResponse({"error": "gift card already redeemed"}, status=409)
    card.redeemed_by = user
    card.redeemed_at = timezone.now()
    await card.asave(update_fields=["redeemed_by", "redeemed_at"])
    return JsonResponse({"value": str(card.value)})
