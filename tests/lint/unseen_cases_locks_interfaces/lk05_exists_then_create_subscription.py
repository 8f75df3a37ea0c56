# expect: missing-lock
# pattern: Django view refuses a second subscription with exists(), then creates one;
#          a double click creates two active subscriptions
from django.http import JsonResponse

from billing.models import Plan, Subscription


def subscribe(request, plan_id):
    plan = Plan.objects.get(pk=plan_id)
    if Subscription.objects.filter(user=request.user, active=True).exists():  # expect-line
        return JsonResponse({"error": "already subscribed"}, status=409)
    subscription = Subscription.objects.create(user=request.user, plan=plan, active=True)
    return JsonResponse({"id": subscription.pk}, status=201)
