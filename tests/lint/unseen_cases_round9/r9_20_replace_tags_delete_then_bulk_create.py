# expect: forgotten-transaction
# pattern: "replace the set" is written as delete() then bulk_create() in autocommit
#          mode. When bulk_create() raises (a duplicate name, a name too long), the
#          article is left with no tags at all
from blog.models import ArticleTag


def set_article_tags(article, names):
    ArticleTag.objects.filter(article=article).delete()  # expect-line
    ArticleTag.objects.bulk_create(
        [ArticleTag(article=article, name=name.strip().lower()) for name in names]
    )
