# expect: none
from django.db import transaction
from django.utils.decorators import method_decorator
from django.views import View

from accounts.models import Customer
from accounts.tasks import welcome


@method_decorator(transaction.atomic, name="dispatch")
class SignupView(View):
    def post(self, request):
        customer = Customer.objects.create(email=request.POST["email"])
        welcome.delay_on_commit(customer.pk)
