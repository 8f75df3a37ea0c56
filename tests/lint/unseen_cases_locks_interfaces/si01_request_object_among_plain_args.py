# expect: non-uniform-interface
# pattern: services built with plain values, except one that is handed the whole HTTP
#          request and digs its inputs out of it, so it cannot run from a task or a shell
class CreateProject:
    def __init__(self, owner, name):
        self.owner = owner
        self.name = name

    def execute(self):
        return {"owner": self.owner.pk, "name": self.name}


class RenameProject:
    def __init__(self, project, name):
        self.project = project
        self.name = name

    def execute(self):
        self.project.name = self.name
        return self.project


class ArchiveProject:
    def __init__(self, request):  # expect-line
        self.request = request

    def execute(self):
        project = self.request.user.projects.get(pk=self.request.POST["project_id"])
        project.archived = True
        return project
