# expect: side-effect-in-transaction
# pattern: class-based view made atomic with @method_decorator(atomic, name="dispatch");
#          post() calls a partner API through urllib.request before the view returns
import json
import urllib.request

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
        urllib.request.urlopen(req, timeout=5)  # expect-line
        member.points_ledger.create(points=100, reason="welcome")
        return JsonResponse({"id": member.pk}, status=201)
