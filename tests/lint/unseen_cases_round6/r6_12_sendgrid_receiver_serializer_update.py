# expect: side-effect-in-transaction
# pattern: a post_save receiver mails through SendGrid; the save runs in an @atomic
#          serializer update() that writes again afterwards
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from rest_framework import serializers
from sendgrid import SendGridAPIClient
from sendgrid.helpers.mail import Mail

from quotes.models import Quote

sendgrid_client = SendGridAPIClient("SG.key")


@receiver(post_save, sender=Quote)
def mail_accepted_quote(sender, instance, created, **kwargs):
    if instance.state == "accepted":
        message = Mail(from_email="sales@example.invalid", to_emails=instance.customer_email, subject="Accepted")
        sendgrid_client.send(message)  # expect-line


class QuoteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Quote
        fields = ["state", "note"]

    @transaction.atomic
    def update(self, instance, validated_data):
        instance.state = validated_data["state"]
        instance.note = validated_data.get("note", "")
        instance.save()  # via-indirection
        instance.revisions.create(state=instance.state)
        return instance
