# expect: none
from django.db import transaction
from django.test import TransactionTestCase
from rest_framework.test import APITestCase

from shop.models import Order, OrderLine
from shop.testing import ShopTestCase, make_lines


class OrderTests(ShopTestCase):
    @classmethod
    def setUpTestData(cls):
        cls.order = Order.objects.create(number="1")
        OrderLine.objects.create(order=cls.order, sku="A-1")

    def setUp(self):
        self.other = Order.objects.create(number="2")
        OrderLine.objects.create(order=self.other, sku="B-2")
        make_lines(self.other, ["B-3", "B-4"])

    def test_lines_follow_order(self):
        def add_line(sku):
            OrderLine.objects.create(order=self.order, sku=sku)
            OrderLine.objects.create(order=self.other, sku=sku)

        add_line("C-3")
        self.assertEqual(OrderLine.objects.count(), 4)


class OrderApiTests(APITestCase):
    def setUp(self):
        order = Order.objects.create(number="3")
        OrderLine.objects.create(order=order, sku="D-4")


class OrderCommitTests(TransactionTestCase):
    # TransactionTestCase runs no transaction around a test, so each write commits alone.
    def setUp(self):
        with transaction.atomic():
            order = Order.objects.create(number="4")
            OrderLine.objects.create(order=order, sku="E-5")
