# expect: side-effect-in-transaction
# pattern: with ATOMIC_REQUESTS a FormView's form_valid() runs inside the request
#          transaction; it calls form.save(), and the form_class's save() override mails
#          the managers before the enquiry commits
# settings.py (same project):  DATABASES["default"]["ATOMIC_REQUESTS"] = True
from django.urls import reverse_lazy
from django.views.generic import FormView

from contact.forms import EnquiryForm


class EnquiryView(FormView):
    form_class = EnquiryForm
    template_name = "contact/enquiry.html"
    success_url = reverse_lazy("contact:thanks")

    def form_valid(self, form):
        form.save()  # via-indirection
        return super().form_valid(form)
