from django.db import transaction

from app.models import Customer, Order


class Checkout:
    @transaction.atomic()
    def run(self, customer_id):
        customer = Customer.objects.get(pk=customer_id)
        customer.active = True
        customer.save()  # via-indirection
        return Order.objects.create(customer=customer)  # via-indirection
