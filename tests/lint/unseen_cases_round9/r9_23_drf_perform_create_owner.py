# expect: forgotten-transaction
# pattern: DRF perform_create() saves the project, then the owner's membership. With
#          ATOMIC_REQUESTS off (the default), a failing second INSERT leaves a project
#          that nobody can see
from rest_framework import viewsets

from projects.models import Membership, Project
from projects.serializers import ProjectSerializer


class ProjectViewSet(viewsets.ModelViewSet):
    serializer_class = ProjectSerializer

    def get_queryset(self):
        return Project.objects.filter(memberships__user=self.request.user)

    def perform_create(self, serializer):
        project = serializer.save(created_by=self.request.user)  # expect-line
        Membership.objects.create(project=project, user=self.request.user, role=Membership.OWNER)
