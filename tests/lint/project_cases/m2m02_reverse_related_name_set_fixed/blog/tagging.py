# expect: none
# fixed shape for m2m02: the rename and the new article list commit together
from django.db import transaction
from django.utils.text import slugify

from blog.models import Article, Tag


@transaction.atomic
def update_tag(tag_id, name, article_ids):
    tag = Tag.objects.get(pk=tag_id)
    tag.name = name
    tag.slug = slugify(name)
    tag.save()
    tag.articles.set(Article.objects.filter(pk__in=article_ids))
    return tag
