# expect: non-uniform-interface
# pattern: two services are built from plain values; a third is built from the HTTP
#          request through a from_request() classmethod and reads it in its entry
class ArchiveProject:
    def __init__(self, project, actor):
        self.project = project
        self.actor = actor

    def execute(self):
        return self.project.archive(by=self.actor)


class RenameProject:
    def __init__(self, project, actor, name):
        self.project = project
        self.actor = actor
        self.name = name

    def execute(self):
        return self.project.rename(self.name, by=self.actor)


class TransferProject:
    def __init__(self, request, project):  # expect-line
        self.request = request
        self.project = project

    @classmethod
    def from_request(cls, request, project):  # expect-line
        return cls(request, project)

    def execute(self):  # expect-line
        new_owner = self.request.POST["owner"]
        return self.project.transfer(new_owner, by=self.request.user)
