class _Handles:
    def __getattr__(self, name):
        raise AttributeError(name)


ops = _Handles()
