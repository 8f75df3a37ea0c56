# expect: none
# fixed shape for r8_36: reject() returns the RefundRequest and raises RefundNotPending;
# the view builds the HTTP response for every method
from django.utils import timezone

from refunds.models import RefundRequest


class RefundError(Exception):
    pass


class InvalidAmount(RefundError):
    pass


class RefundNotPending(RefundError):
    pass


class RefundService:
    def request_refund(self, order, amount, requested_by) -> RefundRequest:
        if amount <= 0:
            raise InvalidAmount(amount)
        return RefundRequest.objects.create(order=order, amount=amount, requested_by=requested_by)

    def approve(self, refund: RefundRequest, approver) -> RefundRequest:
        updated = RefundRequest.objects.filter(pk=refund.pk, status=RefundRequest.PENDING).update(
            status=RefundRequest.APPROVED, decided_by=approver, decided_at=timezone.now()
        )
        if not updated:
            raise RefundNotPending(refund.pk)
        refund.refresh_from_db()
        return refund

    def reject(self, refund: RefundRequest, approver, reason: str) -> RefundRequest:
        updated = RefundRequest.objects.filter(pk=refund.pk, status=RefundRequest.PENDING).update(
            status=RefundRequest.REJECTED, decided_by=approver, decided_at=timezone.now(), reason=reason
        )
        if not updated:
            raise RefundNotPending(refund.pk)
        refund.refresh_from_db()
        return refund
