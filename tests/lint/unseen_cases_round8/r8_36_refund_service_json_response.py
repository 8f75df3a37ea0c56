# expect: non-uniform-interface
# pattern: the refund service returns RefundRequest objects and raises RefundError,
#          except reject(), which builds a JsonResponse with its own status code; the
#          view wraps that response in a second one and the error is answered with 200
from django.http import JsonResponse
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

    def reject(self, refund: RefundRequest, approver, reason: str):  # expect-line
        updated = RefundRequest.objects.filter(pk=refund.pk, status=RefundRequest.PENDING).update(
            status=RefundRequest.REJECTED, decided_by=approver, decided_at=timezone.now(), reason=reason
        )
        if not updated:
            return JsonResponse({"error": "refund is not pending"}, status=409)
        return JsonResponse({"id": refund.pk, "status": RefundRequest.REJECTED})
