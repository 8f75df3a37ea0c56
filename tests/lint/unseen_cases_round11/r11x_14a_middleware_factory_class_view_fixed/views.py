# expect: none
# fixed shape: the task is queued once the middleware's transaction commits
from django.db import transaction
from django.http import HttpResponseRedirect
from django.views import View

from .models import Booking
from .tasks import send_reminder


class BookView(View):
    def post(self, request, slot_id):
        booking = Booking.objects.create(slot_id=slot_id, user=request.user)
        transaction.on_commit(lambda: send_reminder.apply_async(args=[booking.pk], countdown=3600))
        return HttpResponseRedirect("/bookings/")
