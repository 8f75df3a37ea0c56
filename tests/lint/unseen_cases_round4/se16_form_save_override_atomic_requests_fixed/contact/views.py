# expect: none
# fixed shape: the form's save() defers the mail with on_commit
from django.urls import reverse_lazy
from django.views.generic import FormView

from contact.forms import EnquiryForm


class EnquiryView(FormView):
    form_class = EnquiryForm
    template_name = "contact/enquiry.html"
    success_url = reverse_lazy("contact:thanks")

    def form_valid(self, form):
        form.save()
        return super().form_valid(form)
