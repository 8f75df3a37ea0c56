# expect: none
# fixed shape: the receiver defers indexing to the commit
from django.db import models, transaction
from django.db.models.signals import post_save
from elasticsearch import Elasticsearch

search = Elasticsearch("http://search.invalid:9200")


class Article(models.Model):
    title = models.CharField(max_length=200)
    body = models.TextField()
    published = models.BooleanField(default=False)


def index_article(sender, instance, **kwargs):
    document = {"title": instance.title}
    article_id = instance.pk
    transaction.on_commit(
        lambda: search.index(index="articles", id=article_id, document=document)
    )


post_save.connect(index_article, sender=Article)


def publish(article, editor):
    with transaction.atomic():
        article.published = True
        article.save()
        editor.profile.articles_published = models.F("articles_published") + 1
        editor.profile.save(update_fields=["articles_published"])
