# expect: none
# fixed shape: the view reads the request; every service is built from plain values
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
    def __init__(self, project, actor, new_owner):
        self.project = project
        self.actor = actor
        self.new_owner = new_owner

    def execute(self):
        return self.project.transfer(self.new_owner, by=self.actor)
