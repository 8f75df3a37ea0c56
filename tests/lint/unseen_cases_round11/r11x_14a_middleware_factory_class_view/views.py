# expect: side-effect-in-transaction
# pattern: a middleware factory in core/middleware.py, added to MIDDLEWARE, runs each
#          POST in atomic(); the class-based view queues the reminder task before the COMMIT.
from django.http import HttpResponseRedirect
from django.views import View

from .models import Booking
from .tasks import send_reminder


class BookView(View):
    def post(self, request, slot_id):
        booking = Booking.objects.create(slot_id=slot_id, user=request.user)
        send_reminder.apply_async(args=[booking.pk], countdown=3600)  # expect-line
        return HttpResponseRedirect("/bookings/")
