# expect: non-uniform-interface
# pattern: all services use call(), but one returns itself and keeps its outcome in
#          attributes; callers read .errors for that one and use the return value for
#          the others
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
        self.errors = []

    def call(self):  # expect-line
        if self.project.open_tasks:
            self.errors.append("project has open tasks")
        else:
            self.project.archived = True
        return self


class TransferProject:
    def __init__(self, project, owner):
        self.project = project
        self.owner = owner

    def call(self):
        self.project.owner = self.owner
        return self.project
