# expect: none
# fixed shape: see orders.py, where the decorated function commits before it returns
import functools

from redis import Redis
from rq import Queue

queue = Queue("push", connection=Redis())


def push_when_created(func):
    @functools.wraps(func)
    def inner(*args, **kwargs):
        order = func(*args, **kwargs)
        queue.enqueue("push.tasks.order_created", order.id)
        return order

    return inner
