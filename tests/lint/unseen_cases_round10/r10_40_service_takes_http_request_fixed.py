# expect: none
# fixed shape for r10_40: the view reads the request and passes the inviter and the email
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
    def execute(self, project: Project, invited_by, email: str) -> Invitation:
        email = email.strip().lower()
        if not email:
            raise ServiceError("invitation email must not be empty")
        return Invitation.objects.create(project=project, email=email, invited_by=invited_by)
