# expect: none
"""A decorator factory whose wrapper runs the function after the commit of one database."""

from functools import wraps

from django.db import transaction


def after_commit(using="default"):
    def decorator(func):
        @wraps(func)
        def wrapper(*args, **kwargs):
            transaction.on_commit(lambda: func(*args, **kwargs), using=using)

        return wrapper

    return decorator
