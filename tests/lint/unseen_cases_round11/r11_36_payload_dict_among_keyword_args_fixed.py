# expect: none
# fixed shape: ArchiveProject takes keyword-only arguments like its siblings
from projects.models import Project, User


class CreateProject:
    def __call__(self, *, owner: User, name: str, visibility: str = "private") -> Project:
        return Project.objects.create(owner=owner, name=name, visibility=visibility)


class RenameProject:
    def __call__(self, *, project: Project, name: str) -> Project:
        project.name = name
        project.save(update_fields=["name"])
        return project


class ArchiveProject:
    def __call__(self, *, project: Project, reason: str = "") -> Project:
        project.archived = True
        project.archived_reason = reason
        project.save(update_fields=["archived", "archived_reason"])
        return project
