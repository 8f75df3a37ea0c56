# expect: none
# fixed shape for lib10: `TempProject` takes pytest's `FixtureRequest` in a parameter
# named `request`. The annotation says it is no web request.
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
