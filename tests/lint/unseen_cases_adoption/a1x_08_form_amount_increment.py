# expect: missing-lock
from django.shortcuts import get_object_or_404, redirect

from .forms import DepositForm
from .models import Account


def deposit(request, pk):
    form = DepositForm(request.POST)
    if not form.is_valid():
        return redirect("account", pk=pk)
    account = get_object_or_404(Account, pk=pk)
    account.balance += form.cleaned_data["amount"]  # expect-line
    account.notes += form.cleaned_data["reference"]
    account.save(update_fields=["balance", "notes"])
    return redirect("account", pk=pk)
