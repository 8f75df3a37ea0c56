# expect: none
# fixed shape: the receiver builds the message now and sends it after the commit
from functools import partial

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from rest_framework import serializers
from sendgrid import SendGridAPIClient
from sendgrid.helpers.mail import Mail

from quotes.models import Quote

sendgrid_client = SendGridAPIClient("SG.key")


@receiver(post_save, sender=Quote)
def mail_accepted_quote(sender, instance, created, using, **kwargs):
    if instance.state == "accepted":
        message = Mail(from_email="sales@example.invalid", to_emails=instance.customer_email, subject="Accepted")
        transaction.on_commit(partial(sendgrid_client.send, message), using=using)


class QuoteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Quote
        fields = ["state", "note"]

    @transaction.atomic
    def update(self, instance, validated_data):
        instance.state = validated_data["state"]
        instance.note = validated_data.get("note", "")
        instance.save()
        instance.revisions.create(state=instance.state)
        return instance
