# expect: side-effect-in-transaction
"""Transaction helpers shared by the apps."""

import logging
from functools import partial, wraps

from django.db import transaction

log = logging.getLogger(__name__)


def audited(func):
    """Log each call of func once the transaction commits; the call itself runs at once."""

    @wraps(func)
    def wrapper(*args, **kwargs):
        transaction.on_commit(partial(log.info, "called %s", func.__name__))
        return func(*args, **kwargs)

    return wrapper
