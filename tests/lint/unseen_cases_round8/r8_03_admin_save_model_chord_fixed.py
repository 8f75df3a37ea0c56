# expect: none
# fixed shape for r8_03: the chord starts when the admin's transaction commits, on the
# database that the router picks for the campaign
from celery import chord
from django.contrib import admin
from django.db import router, transaction

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
            workflow = chord(batches, finish_campaign.si(obj.pk))
            transaction.on_commit(workflow.apply_async, using=router.db_for_write(Campaign, instance=obj))
