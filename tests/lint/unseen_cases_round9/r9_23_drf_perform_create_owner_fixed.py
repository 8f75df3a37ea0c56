# expect: none
# fixed shape for r9_23: the project and its owner membership commit together
from django.db import transaction
from rest_framework import viewsets

from projects.models import Membership, Project
from projects.serializers import ProjectSerializer


class ProjectViewSet(viewsets.ModelViewSet):
    serializer_class = ProjectSerializer

    def get_queryset(self):
        return Project.objects.filter(memberships__user=self.request.user)

    def perform_create(self, serializer):
        with transaction.atomic():
            project = serializer.save(created_by=self.request.user)
            Membership.objects.create(project=project, user=self.request.user, role=Membership.OWNER)
