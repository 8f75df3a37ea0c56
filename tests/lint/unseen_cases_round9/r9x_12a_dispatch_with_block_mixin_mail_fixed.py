# expect: none
# fixed shape for r9x_12a: the mail waits for the COMMIT of the dispatch() block
from functools import partial

from django.core.mail import send_mail
from django.db import transaction
from django.views.generic import UpdateView

from accounts.models import Account


class TransactionMixin:
    def dispatch(self, request, *args, **kwargs):
        with transaction.atomic():
            return super().dispatch(request, *args, **kwargs)


class AccountEmailView(TransactionMixin, UpdateView):
    model = Account
    fields = ["email"]

    def tell_owner(self, old_email):
        message = f"It is now {self.object.email}."
        transaction.on_commit(partial(send_mail, "Your e-mail changed", message, None, [old_email]))

    def form_valid(self, form):
        old_email = Account.objects.get(pk=self.object.pk).email
        response = super().form_valid(form)
        self.tell_owner(old_email)
        return response
