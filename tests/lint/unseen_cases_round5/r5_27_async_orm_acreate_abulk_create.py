# expect: forgotten-transaction
# pattern: async Django view writes a booking and its guests with acreate()/abulk_create()
#          and no transaction; a failed guest insert leaves a booking with no guests
from django.http import JsonResponse

from stays.models import Booking, Guest


async def create_booking(request, room_id):
    data = request.POST
    if not data.getlist("guest"):
        return JsonResponse({"error": "at least one guest is required"}, status=400)
    booking = await Booking.objects.acreate(room_id=room_id, nights=int(data["nights"]))  # expect-line
    guests = [Guest(booking=booking, name=name) for name in data.getlist("guest")]
    await Guest.objects.abulk_create(guests)
    return JsonResponse({"id": booking.pk}, status=201)
