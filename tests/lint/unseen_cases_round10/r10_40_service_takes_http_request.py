# expect: non-uniform-interface
# pattern: the project services take explicit arguments, except the invitation service,
#          which takes the DRF request and reads request.user and request.data itself. A
#          management command or a Celery task has no request to pass.
from projects.errors import ServiceError
from projects.models import Invitation, Project


class ProjectCreator:
    def execute(self, owner, name: str) -> Project:
        if not name.strip():
            raise ServiceError("project name must not be empty")
        return Project.objects.create(owner=owner, name=name.strip())


class ProjectArchiver:
    def execute(self, project: Project, actor) -> Project:
        if project.owner_id != actor.pk:
            raise ServiceError(f"user {actor.pk} may not archive project {project.pk}")
        project.archived = True
        project.save(update_fields=["archived"])
        return project


class MemberInviter:
    def execute(self, request, project: Project) -> Invitation:  # expect-line
        email = request.data["email"].strip().lower()
        if not email:
            raise ServiceError("invitation email must not be empty")
        return Invitation.objects.create(project=project, email=email, invited_by=request.user)
