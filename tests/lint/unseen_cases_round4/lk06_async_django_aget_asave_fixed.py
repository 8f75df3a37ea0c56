# expect: none
# fixed shape: aupdate() with F() adds the credits in the database
from django.db.models import F
from django.http import JsonResponse

from wallets.models import Wallet


async def top_up(request):
    amount = int(request.POST["amount"])
    await Wallet.objects.filter(user_id=request.user.pk).aupdate(credits=F("credits") + amount)
    wallet = await Wallet.objects.aget(user_id=request.user.pk)
    return JsonResponse({"credits": wallet.credits})
