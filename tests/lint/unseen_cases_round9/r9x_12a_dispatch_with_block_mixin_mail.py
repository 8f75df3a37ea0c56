# expect: side-effect-in-transaction
# pattern: a mixin runs the view inside "with transaction.atomic()" in its dispatch(); the
#          UpdateView's helper, called from form_valid(), mails the account owner
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
        send_mail("Your e-mail changed", f"It is now {self.object.email}.", None, [old_email])  # expect-line

    def form_valid(self, form):
        old_email = Account.objects.get(pk=self.object.pk).email
        response = super().form_valid(form)
        self.tell_owner(old_email)  # via-indirection
        return response
