# expect: forgotten-transaction
# pattern: renaming a tag and replacing its articles through the reverse accessor of
#          Article.tags (related_name="articles") are two autocommit writes; a failure in
#          set() leaves the new name on the old article list
from django.utils.text import slugify

from blog.models import Article, Tag


def update_tag(tag_id, name, article_ids):
    tag = Tag.objects.get(pk=tag_id)
    tag.name = name
    tag.slug = slugify(name)
    tag.save()  # expect-line
    tag.articles.set(Article.objects.filter(pk__in=article_ids))
    return tag
