# expect: side-effect-in-transaction
# pattern: with ATOMIC_REQUESTS on, the viewset's serializer.save() runs the serializer's
#          create() inside the request transaction; the welcome mail goes out before the
#          customer row commits, and stays sent if the request fails later
from django.core.mail import send_mail
from rest_framework import serializers

from shop.models import Customer


class CustomerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Customer
        fields = ["id", "email", "name"]

    def create(self, validated_data):
        customer = Customer.objects.create(**validated_data)
        send_mail("Welcome", f"Hello {customer.name}", None, [customer.email])  # expect-line
        return customer
