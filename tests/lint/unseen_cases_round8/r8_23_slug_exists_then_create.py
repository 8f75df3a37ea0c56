# expect: missing-lock
# pattern: a unique slug is picked by probing with exists() and then created; two
#          workspaces named alike at the same moment both see the slug free, and the
#          column has no unique constraint to stop the second insert
from django.conf import settings
from django.db import models
from django.utils.text import slugify


class Workspace(models.Model):
    slug = models.SlugField(max_length=60, db_index=True)
    name = models.CharField(max_length=100)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)


def create_workspace(owner, name):
    base = slugify(name)[:50] or "workspace"
    slug = base
    suffix = 2
    while Workspace.objects.filter(slug=slug).exists():  # expect-line
        slug = f"{base}-{suffix}"
        suffix += 1
    return Workspace.objects.create(slug=slug, name=name, owner=owner)
