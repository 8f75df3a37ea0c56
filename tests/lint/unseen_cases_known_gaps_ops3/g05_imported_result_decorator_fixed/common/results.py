import functools
from dataclasses import dataclass
from typing import Generic, TypeVar, Union

T = TypeVar("T")


@dataclass(frozen=True)
class Ok(Generic[T]):
    value: T


@dataclass(frozen=True)
class Err:
    code: str
    message: str


Result = Union[Ok[T], Err]


def returns_result(*errors):
    """Turn the listed exceptions of the decorated function into Err values."""

    def decorate(function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            try:
                return Ok(function(*args, **kwargs))
            except errors as exc:
                return Err(type(exc).__name__, str(exc))

        return wrapper

    return decorate
