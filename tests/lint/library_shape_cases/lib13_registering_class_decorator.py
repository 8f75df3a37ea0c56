# expect: missing-lock
# `register()` is called with a name and a handler, from request code as well, so two
# threads registering one name both pass the check.
_registrars = {}


def register(name, handler):
    if name in _registrars:  # expect-line
        raise AssertionError(f"{name} is already registered")
    _registrars[name] = handler
    return handler
