# expect: none
# fixed shape for r10_34: one conditional UPDATE both checks and redeems
from django.http import JsonResponse
from django.utils import timezone

from giftcards.models import GiftCard


async def redeem_gift_card(request, code):
    user = await request.auser()
    redeemed = await GiftCard.objects.filter(code=code, redeemed_by__isnull=True).aupdate(
        redeemed_by=user, redeemed_at=timezone.now()
    )
    if not redeemed:
        return JsonResponse({"error": "gift card unknown or already redeemed"}, status=409)
    card = await GiftCard.objects.aget(code=code)
    return JsonResponse({"value": str(card.value)})
