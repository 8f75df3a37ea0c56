# expect: none
# fixed shape for lk05: a partial unique constraint (one active subscription per user)
# rejects the second insert
from django.db import IntegrityError, transaction
from django.http import JsonResponse

from billing.models import Plan, Subscription


def subscribe(request, plan_id):
    plan = Plan.objects.get(pk=plan_id)
    try:
        with transaction.atomic():
            subscription = Subscription.objects.create(user=request.user, plan=plan, active=True)
    except IntegrityError:
        return JsonResponse({"error": "already subscribed"}, status=409)
    return JsonResponse({"id": subscription.pk}, status=201)
