# expect: forgotten-transaction
# pattern: a pre_save receiver, connected with pre_save.connect(), stores the old price
#          in a history table before the product row is saved. In autocommit the history
#          INSERT commits first, so a failing UPDATE leaves history for a price change
#          that never happened.
from django.db import models
from django.db.models.signals import pre_save


class Product(models.Model):
    title = models.CharField(max_length=200)
    price = models.DecimalField(max_digits=10, decimal_places=2)


class PriceHistory(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE)
    old_price = models.DecimalField(max_digits=10, decimal_places=2)


def remember_old_price(sender, instance, **kwargs):
    if instance.pk:
        old = Product.objects.get(pk=instance.pk)
        PriceHistory.objects.create(product=instance, old_price=old.price)


pre_save.connect(remember_old_price, sender=Product)


def reprice(product_id, price):
    product = Product.objects.get(pk=product_id)
    product.price = price
    product.save()  # expect-line
