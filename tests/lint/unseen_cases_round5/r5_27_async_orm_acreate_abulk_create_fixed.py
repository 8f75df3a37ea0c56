# expect: none
# fixed shape: the writes run in a sync function under atomic(), called from the async view
from asgiref.sync import sync_to_async
from django.db import transaction
from django.http import JsonResponse

from stays.models import Booking, Guest


@transaction.atomic
def _store_booking(room_id, nights, names):
    booking = Booking.objects.create(room_id=room_id, nights=nights)
    Guest.objects.bulk_create([Guest(booking=booking, name=name) for name in names])
    return booking


async def create_booking(request, room_id):
    data = request.POST
    booking = await sync_to_async(_store_booking)(room_id, int(data["nights"]), data.getlist("guest"))
    return JsonResponse({"id": booking.pk}, status=201)
