from django import forms
from django.core.mail import mail_managers

from contact.models import Enquiry


class EnquiryForm(forms.ModelForm):
    class Meta:
        model = Enquiry
        fields = ["name", "email", "message"]

    def save(self, commit=True):
        enquiry = super().save(commit=commit)
        mail_managers(f"New enquiry from {enquiry.name}", enquiry.message)  # expect-line
        return enquiry
