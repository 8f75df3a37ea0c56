# expect: non-uniform-interface
# `ArchiveProject` takes the web request, unannotated, while the module's other services
# take plain values.
from _pytest.fixtures import FixtureRequest


class CreateProject:
    def __init__(self, owner, name):
        self.owner = owner
        self.name = name

    def execute(self):
        return self.owner.projects.create(name=self.name)


class RenameProject:
    def __init__(self, project, name):
        self.project = project
        self.name = name

    def execute(self):
        self.project.name = self.name
        return self.project


class TempProject:
    def __init__(self, request: FixtureRequest):
        self.request = request

    def execute(self):
        return self.request.getfixturevalue("tmp_path") / self.request.node.name


class ArchiveProject:
    def __init__(self, request):  # expect-line
        self.request = request

    def execute(self):
        return self.request.POST["project_id"]
