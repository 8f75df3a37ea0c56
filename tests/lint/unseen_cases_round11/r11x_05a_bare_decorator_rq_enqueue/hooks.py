# expect: side-effect-in-transaction
# pattern: a bare project decorator enqueues an RQ job after the wrapped function returns;
#          called inside peewee's db.atomic(), the worker can look for the order before the
#          COMMIT, or after a failing line insert rolled it back.
import functools

from redis import Redis
from rq import Queue

queue = Queue("push", connection=Redis())


def push_when_created(func):
    @functools.wraps(func)
    def inner(*args, **kwargs):
        order = func(*args, **kwargs)
        queue.enqueue("push.tasks.order_created", order.id)  # expect-line
        return order

    return inner
