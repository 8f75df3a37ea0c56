# expect: none
# fixed shape for r8_23: the column is unique, and the insert itself claims the slug;
# an IntegrityError rolls back the savepoint and the next suffix is tried
from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils.text import slugify


class Workspace(models.Model):
    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=100)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)


def create_workspace(owner, name, max_attempts=50):
    base = slugify(name)[:50] or "workspace"
    for attempt in range(1, max_attempts + 1):
        slug = base if attempt == 1 else f"{base}-{attempt}"
        try:
            with transaction.atomic():
                return Workspace.objects.create(slug=slug, name=name, owner=owner)
        except IntegrityError:
            continue
    raise ValueError(f"no free slug for {name!r} after {max_attempts} attempts")
