from django import forms
from django.core.mail import mail_managers
from django.db import transaction

from contact.models import Enquiry


class EnquiryForm(forms.ModelForm):
    class Meta:
        model = Enquiry
        fields = ["name", "email", "message"]

    def save(self, commit=True):
        enquiry = super().save(commit=commit)
        subject = f"New enquiry from {enquiry.name}"
        transaction.on_commit(lambda: mail_managers(subject, enquiry.message))
        return enquiry
