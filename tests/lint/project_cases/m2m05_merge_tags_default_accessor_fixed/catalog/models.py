from django.db import models


class Label(models.Model):
    name = models.CharField(max_length=60, unique=True)


class Product(models.Model):
    title = models.CharField(max_length=200)
    labels = models.ManyToManyField(Label, blank=True)
