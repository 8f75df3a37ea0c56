# expect: none
# fixed shape: the task is sent once the request's transaction commits
from functools import partial

from django.db import transaction
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from reports.celery import app
from reports.models import Report
from reports.serializers import ReportSerializer


class ReportViewSet(viewsets.ModelViewSet):
    queryset = Report.objects.all()
    serializer_class = ReportSerializer

    @action(detail=True, methods=["post"])
    def regenerate(self, request, pk=None):
        report = self.get_object()
        report.state = "queued"
        report.save(update_fields=["state"])
        transaction.on_commit(partial(app.send_task, "reports.render", args=[report.pk]))
        return Response({"state": report.state})
