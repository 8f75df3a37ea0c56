# expect: side-effect-in-transaction
# pattern: no atomic() in sight, but the project sets ATOMIC_REQUESTS; a DRF @action sends a
#          task by name with app.send_task before the request's transaction commits
# settings.py (same project):  DATABASES["default"]["ATOMIC_REQUESTS"] = True
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
        app.send_task("reports.render", args=[report.pk])  # expect-line (only with ATOMIC_REQUESTS)
        return Response({"state": report.state})
