# expect: side-effect-in-transaction
# pattern: the admin's save_model() runs in the admin's atomic block; it calls a model
#          method, which calls a module helper, which sends an EmailMessage
from django.contrib import admin
from django.core.mail import EmailMessage
from django.db import models


def announce(article):
    mail = EmailMessage(f"New: {article.title}", article.summary, to=["readers@example.invalid"])
    mail.send()  # expect-line


class Article(models.Model):
    title = models.CharField(max_length=200)
    summary = models.TextField()
    published = models.BooleanField(default=False)

    def publish(self):
        self.published = True
        announce(self)


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    def save_model(self, request, obj, form, change):
        if "published" in form.changed_data and obj.published:
            obj.publish()  # via-indirection
        super().save_model(request, obj, form, change)
