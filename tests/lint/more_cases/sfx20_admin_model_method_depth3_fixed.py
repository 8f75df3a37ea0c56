# expect: none
# fixed shape for sfx20: the model method defers the announcement to on_commit
from functools import partial

from django.contrib import admin
from django.core.mail import EmailMessage
from django.db import models, transaction


def announce(article):
    mail = EmailMessage(f"New: {article.title}", article.summary, to=["readers@example.invalid"])
    mail.send()


class Article(models.Model):
    title = models.CharField(max_length=200)
    summary = models.TextField()
    published = models.BooleanField(default=False)

    def publish(self):
        self.published = True
        transaction.on_commit(partial(announce, self))


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    def save_model(self, request, obj, form, change):
        if "published" in form.changed_data and obj.published:
            obj.publish()
        super().save_model(request, obj, form, change)
