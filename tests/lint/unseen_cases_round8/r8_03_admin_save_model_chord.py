# expect: side-effect-in-transaction
# pattern: ModelAdmin.save_model() runs inside the atomic block that the admin's
#          changeform_view() opens, and save_related() has not run yet; the chord's
#          batches start before the campaign and its recipient lists are committed
from celery import chord
from django.contrib import admin

from mailing.models import Campaign
from mailing.tasks import finish_campaign, send_batch

BATCH_SIZE = 500


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ("name", "status", "scheduled_for")
    filter_horizontal = ("recipient_lists",)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if "status" in form.changed_data and obj.status == Campaign.SENDING:
            batches = [
                send_batch.s(obj.pk, offset)
                for offset in range(0, obj.recipient_count, BATCH_SIZE)
            ]
            chord(batches)(finish_campaign.si(obj.pk))  # expect-line
