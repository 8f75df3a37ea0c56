# expect: none
# fixed shape for lib13: `inspects_itself` is a class decorator that records the class
# and returns it. It runs where the class is defined, at import time, under the import
# lock.
_registrars = {}


def inspects_itself(cls):
    if cls in _registrars:
        raise AssertionError(f"{cls} is already registered")
    _registrars[cls] = True
    return cls
