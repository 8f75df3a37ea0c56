# expect: side-effect-in-transaction
# pattern: search document indexed from a post_save receiver connected by call; the save
#          happens inside an atomic block, so the index can show a row that rolls back
from django.db import models, transaction
from django.db.models.signals import post_save
from elasticsearch import Elasticsearch

search = Elasticsearch("http://search.invalid:9200")


class Article(models.Model):
    title = models.CharField(max_length=200)
    body = models.TextField()
    published = models.BooleanField(default=False)


def index_article(sender, instance, **kwargs):
    search.index(index="articles", id=instance.pk, document={"title": instance.title})  # expect-line


post_save.connect(index_article, sender=Article)


def publish(article, editor):
    with transaction.atomic():
        article.published = True
        article.save()  # via-indirection
        editor.profile.articles_published = models.F("articles_published") + 1
        editor.profile.save(update_fields=["articles_published"])
