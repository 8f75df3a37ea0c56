# expect: non-uniform-interface
# The settings class has overloaded `__call__()` stubs and one real `__call__()`, and
# also `execute()`, a second way in beside `__call__()`.
from typing import Callable, TypeVar, overload

T = TypeVar("T")


class EnvSettings:
    def __init__(self, environ):
        self.environ = environ

    @overload
    def __call__(self, key: str) -> str: ...

    @overload
    def __call__(self, key: str, cast: Callable[[str], T]) -> T: ...

    def __call__(self, key, cast=None):
        value = self.environ[key]
        return cast(value) if cast is not None else value

    def execute(self, key):  # expect-line
        return self.environ.get(key, "")


class SecretFile:
    def __init__(self, folder):
        self.folder = folder

    def __call__(self, name: str) -> str:
        return (self.folder / name).read_text().strip()
