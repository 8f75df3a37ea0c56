# expect: side-effect-in-transaction
# pattern: an m2m_changed receiver posts to the search indexer whenever an article's tags
#          change; the view adds the tags inside atomic(), so the indexer may read the
#          article before the new tags commit
import requests
from django.conf import settings
from django.db import transaction
from django.db.models.signals import m2m_changed
from django.dispatch import receiver
from django.shortcuts import get_object_or_404, redirect

from articles.models import Article, Tag


@receiver(m2m_changed, sender=Article.tags.through, dispatch_uid="articles.reindex_tags")
def reindex_tags(sender, instance, action, **kwargs):
    if action in ("post_add", "post_remove", "post_clear"):
        requests.post(f"{settings.INDEXER_URL}/articles/{instance.pk}", timeout=5)  # expect-line


def tag_article(request, pk):
    article = get_object_or_404(Article, pk=pk)
    with transaction.atomic():
        tags = [Tag.objects.get_or_create(name=name)[0] for name in request.POST.getlist("tag")]
        article.tags.add(*tags)  # via-indirection
    return redirect(article)
