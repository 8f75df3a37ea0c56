from django.db import models


class Order(models.Model):
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT)
    total = models.DecimalField(max_digits=12, decimal_places=2)
