# expect: none
# fixed shape for r10x_18a: the history row and the product row commit together
from django.db import models, transaction
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
    with transaction.atomic():
        product.save()
