# expect: non-uniform-interface
# pattern: the project services take keyword-only arguments, except one that takes a
#          single payload dict. Callers pass keywords to it as to the others and get a
#          TypeError, or pass a dict whose misspelt keys only fail deep inside.
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
    def __call__(self, data: dict) -> Project:  # expect-line: one positional dict instead of keywords
        project = Project.objects.get(pk=data["project_id"])
        project.archived = True
        project.archived_reason = data.get("reason", "")
        project.save(update_fields=["archived", "archived_reason"])
        return project
