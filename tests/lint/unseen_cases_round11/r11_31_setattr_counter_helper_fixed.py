# expect: none
# fixed shape: the helper lets the database add to the current value with an F() UPDATE
from django.db.models import F
from django.shortcuts import get_object_or_404, render

from blog.models import Article


def bump(instance, field, by=1):
    type(instance).objects.filter(pk=instance.pk).update(**{field: F(field) + by})
    instance.refresh_from_db(fields=[field])


def article_detail(request, slug):
    article = get_object_or_404(Article, slug=slug, published=True)
    bump(article, "view_count")
    return render(request, "blog/article_detail.html", {"article": article})
