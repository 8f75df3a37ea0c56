# expect: side-effect-in-transaction
"""A decorator factory named for deferral whose wrapper calls the function at once."""

from functools import wraps


def after_commit(using="default"):
    def decorator(func):
        @wraps(func)
        def wrapper(*args, **kwargs):
            return func(*args, **kwargs)

        return wrapper

    return decorator
