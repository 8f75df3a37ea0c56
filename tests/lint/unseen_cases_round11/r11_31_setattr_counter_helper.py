# expect: missing-lock
# pattern: a generic helper increments any counter field with getattr/setattr on the
#          loaded instance and saves it. Two concurrent page views read the same count,
#          and one increment is lost.
from django.shortcuts import get_object_or_404, render

from blog.models import Article


def bump(instance, field, by=1):
    setattr(instance, field, getattr(instance, field) + by)  # expect-line
    instance.save(update_fields=[field])


def article_detail(request, slug):
    article = get_object_or_404(Article, slug=slug, published=True)
    bump(article, "view_count")
    return render(request, "blog/article_detail.html", {"article": article})
