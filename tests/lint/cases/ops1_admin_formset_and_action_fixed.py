# expect: none
from functools import partial

from django.contrib import admin
from django.core.mail import mail_admins
from django.db import transaction

from blog.models import Article


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    actions = ["publish"]

    def save_formset(self, request, form, formset, change):
        formset.save()
        transaction.on_commit(partial(mail_admins, "Saved", f"{form.instance} was saved"))

    def publish(self, request, queryset):
        count = queryset.update(published=True)
        transaction.on_commit(partial(mail_admins, "Published", f"{count} articles"))
