# expect: none
# fixed shape: the partner call is deferred until the view's transaction commits
import json
import urllib.request
from functools import partial

from django.db import transaction
from django.http import JsonResponse
from django.utils.decorators import method_decorator
from django.views import View

from loyalty.models import Member


@method_decorator(transaction.atomic, name="dispatch")
class EnrolView(View):
    def post(self, request):
        member = Member.objects.create(user=request.user, tier="basic")
        body = json.dumps({"member": member.pk}).encode()
        req = urllib.request.Request("https://partner.invalid/enrol", data=body, method="POST")
        transaction.on_commit(partial(urllib.request.urlopen, req, timeout=5))
        member.points_ledger.create(points=100, reason="welcome")
        return JsonResponse({"id": member.pk}, status=201)
