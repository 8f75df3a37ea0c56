# expect: missing-lock
# The check of `claimed` also guards the write of `claimed_by`: two callers both find
# the voucher unclaimed, and the later one takes it from the first.
from vouchers.models import Voucher


def claim_voucher(voucher_id, customer):
    voucher = Voucher.objects.get(pk=voucher_id)  # expect-line
    if not voucher.claimed:
        voucher.claimed = True
        voucher.claimed_by = customer
        voucher.save()
