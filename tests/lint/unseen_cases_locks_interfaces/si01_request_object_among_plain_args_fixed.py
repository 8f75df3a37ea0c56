# expect: none
# fixed shape for si01: the view reads the request; every service takes plain values
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
    def __init__(self, project):
        self.project = project

    def execute(self):
        self.project.archived = True
        return self.project
