# expect: missing-lock
# pattern: the caller locks the seat block in one atomic() block and calls reserve() in a
#          second one. The lock ended with the first block, so two bookings may both pass
#          the check in reserve()
from django.db import models, transaction


class SoldOut(Exception):
    pass


class SeatBlock(models.Model):
    event = models.CharField(max_length=80)
    remaining = models.PositiveIntegerField()

    def reserve(self, count):
        if self.remaining < count:
            raise SoldOut(f"seat block {self.pk}: {self.remaining} left, {count} requested")
        self.remaining -= count  # expect-line
        self.save(update_fields=["remaining"])


class Booking(models.Model):
    block = models.ForeignKey(SeatBlock, on_delete=models.PROTECT)
    count = models.PositiveIntegerField()


def book(block_id, count):
    with transaction.atomic():
        block = SeatBlock.objects.select_for_update().get(pk=block_id)
    with transaction.atomic():
        block.reserve(count)
        return Booking.objects.create(block=block, count=count)
