from django.db import models


class Note(models.Model):
    body = models.TextField()
    published = models.BooleanField(default=False)
    author = models.ForeignKey("auth.User", on_delete=models.CASCADE, related_name="+")
    editor = models.ForeignKey("auth.User", on_delete=models.SET_NULL, null=True, related_name="+")
