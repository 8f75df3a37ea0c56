# expect: none
"""Transaction helpers shared by the apps."""

from functools import partial, wraps

from django.db import transaction


def deferred(func):
    """Make every call of func run after the current transaction commits."""

    @wraps(func)
    def wrapper(*args, **kwargs):
        transaction.on_commit(partial(func, *args, **kwargs))

    return wrapper
