# expect: none
# fixed shape for r9_20: a failing bulk_create() also rolls back the delete()
from django.db import transaction

from blog.models import ArticleTag


@transaction.atomic
def set_article_tags(article, names):
    ArticleTag.objects.filter(article=article).delete()
    ArticleTag.objects.bulk_create(
        [ArticleTag(article=article, name=name.strip().lower()) for name in names]
    )
