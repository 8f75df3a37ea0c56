from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    company = models.CharField(max_length=120, blank=True)


class StaffInvite(models.Model):
    email = models.EmailField(unique=True)
    group_name = models.CharField(max_length=80)
