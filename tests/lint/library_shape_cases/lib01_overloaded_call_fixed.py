# expect: none
# fixed shape for lib01: the two `@overload` stubs only give type checkers the
# signatures of `__call__()`, so the class has one entry method, not three.
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


class SecretFile:
    def __init__(self, folder):
        self.folder = folder

    def __call__(self, name: str) -> str:
        return (self.folder / name).read_text().strip()
