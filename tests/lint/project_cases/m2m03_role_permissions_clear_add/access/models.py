from django.db import models


class Permission(models.Model):
    codename = models.CharField(max_length=100, unique=True)


class Role(models.Model):
    name = models.CharField(max_length=80)
    permissions = models.ManyToManyField(Permission, blank=True)
