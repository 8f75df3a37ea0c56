# expect: none
# fixed shape for r9_12: the webhook is posted when the dispatch() block commits
from functools import partial

import requests
from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import transaction
from django.utils.decorators import method_decorator
from django.views.generic import CreateView

from projects.models import Project


class AtomicViewMixin:
    @method_decorator(transaction.atomic)
    def dispatch(self, request, *args, **kwargs):
        return super().dispatch(request, *args, **kwargs)


class ProjectCreateView(LoginRequiredMixin, AtomicViewMixin, CreateView):
    model = Project
    fields = ["name", "team"]

    def form_valid(self, form):
        form.instance.owner = self.request.user
        response = super().form_valid(form)
        self.object.members.add(self.request.user)
        transaction.on_commit(
            partial(
                requests.post,
                settings.SLACK_WEBHOOK_URL,
                json={"text": f"{self.request.user} created project {self.object.name}"},
                timeout=5,
            )
        )
        return response
