# expect: none
from django.db.models import F
from django.shortcuts import get_object_or_404, redirect

from .forms import DepositForm
from .models import Account


def deposit(request, pk):
    form = DepositForm(request.POST)
    if not form.is_valid():
        return redirect("account", pk=pk)
    account = get_object_or_404(Account, pk=pk)
    Account.objects.filter(pk=account.pk).update(balance=F("balance") + form.cleaned_data["amount"])
    return redirect("account", pk=pk)
