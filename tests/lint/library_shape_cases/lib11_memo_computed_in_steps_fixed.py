# expect: none
# fixed shape for lib11: a miss computes the descriptors in two steps, stores them and
# returns them. Two threads that miss together compute the same list twice, and nothing
# is lost.
import inspect

_descriptors = {}


def class_descriptors(cls):
    if cls not in _descriptors:
        members = inspect.getmembers(cls, inspect.isgetsetdescriptor)
        _descriptors[cls] = [name for name, _ in members if name != "__dict__"]
    return _descriptors[cls]
