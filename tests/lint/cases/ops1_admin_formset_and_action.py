# expect: side-effect-in-transaction
# pattern: Django admin runs save_formset() inside its atomic block; an admin action method
#          runs inside the request's transaction
from django.contrib import admin
from django.core.mail import mail_admins

from blog.models import Article


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    actions = ["publish"]

    def save_formset(self, request, form, formset, change):
        formset.save()
        mail_admins("Saved", f"{form.instance} was saved")  # expect-line

    def publish(self, request, queryset):
        queryset.update(published=True)
        mail_admins("Published", f"{queryset.count()} articles")  # expect-line
