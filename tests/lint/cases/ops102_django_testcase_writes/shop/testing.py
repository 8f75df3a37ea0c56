from django.test import TestCase

from shop.models import Order, OrderLine


class ShopTestCase(TestCase):
    """The project's base class: Django's TestCase runs each test in a transaction."""

    def make_order(self, number):
        order = Order.objects.create(number=number)
        OrderLine.objects.create(order=order, sku="A-1")
        return order


def make_lines(order, skus):
    """A test data factory that only TestCase methods call."""
    OrderLine.objects.create(order=order, sku=skus[0])
    OrderLine.objects.create(order=order, sku=skus[1])
