# expect: none
# fixed shape for sfx04: the welcome mail waits for the request transaction to commit
from functools import partial

from django.core.mail import send_mail
from django.db import transaction
from rest_framework import serializers

from shop.models import Customer


class CustomerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Customer
        fields = ["id", "email", "name"]

    def create(self, validated_data):
        customer = Customer.objects.create(**validated_data)
        transaction.on_commit(partial(send_mail, "Welcome", f"Hello {customer.name}", None, [customer.email]))
        return customer
