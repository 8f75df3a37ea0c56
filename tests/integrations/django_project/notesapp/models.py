from __future__ import annotations

from django.db import models


class Note(models.Model):
    text = models.CharField(max_length=200)
    actor = models.CharField(max_length=200, null=True)

    class Meta:
        app_label = "notesapp"


class Counter(models.Model):
    """A named count that ``notes.count_up`` reads, adds one to and writes back."""

    name = models.CharField(max_length=100, unique=True)
    value = models.IntegerField(default=0)

    class Meta:
        app_label = "notesapp"
