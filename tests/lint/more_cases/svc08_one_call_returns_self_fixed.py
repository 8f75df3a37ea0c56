# expect: none
# fixed shape for svc08: every call() returns the project or raises
class ProjectError(Exception):
    pass


class RenameProject:
    def __init__(self, project, name):
        self.project = project
        self.name = name

    def call(self):
        self.project.name = self.name
        return self.project


class ArchiveProject:
    def __init__(self, project):
        self.project = project

    def call(self):
        if self.project.open_tasks:
            raise ProjectError("project has open tasks")
        self.project.archived = True
        return self.project


class TransferProject:
    def __init__(self, project, owner):
        self.project = project
        self.owner = owner

    def call(self):
        self.project.owner = self.owner
        return self.project
