# expect: none
# fixed shape for lib06: `Workspace` offers many operations to tests, and `run()` and
# `execute()` are two of them. A class with that many public methods is an object with an
# interface of its own, not a service beside the two snapshot classes.
import os
import subprocess
import sys


class CwdSnapshot:
    def __init__(self):
        self.path = os.getcwd()

    def restore(self):
        os.chdir(self.path)


class PathSnapshot:
    def __init__(self):
        self.path = list(sys.path)

    def restore(self):
        sys.path[:] = self.path


class Workspace:
    def __init__(self, root):
        self.root = root

    def mkdir(self, name):
        return (self.root / name).mkdir()

    def write(self, name, text):
        return (self.root / name).write_text(text)

    def read(self, name):
        return (self.root / name).read_text()

    def chdir(self):
        os.chdir(self.root)

    def run(self, *command):
        return subprocess.run(command, cwd=self.root, capture_output=True)

    def execute(self, source):
        return self.run(sys.executable, "-c", source)

    def cleanup(self):
        for path in self.root.iterdir():
            path.unlink()
