# expect: missing-lock
# pattern: an async view loads the wallet with aget(), adds the credits in Python and
#          writes with asave(); two top-ups at once lose one of them
from django.http import JsonResponse

from wallets.models import Wallet


async def top_up(request):
    amount = int(request.POST["amount"])
    wallet = await Wallet.objects.aget(user_id=request.user.pk)
    wallet.credits += amount  # expect-line
    await wallet.asave(update_fields=["credits"])
    return JsonResponse({"credits": wallet.credits})
