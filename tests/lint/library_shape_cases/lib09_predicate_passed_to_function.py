# expect: non-uniform-interface
# `skip_now()` runs the `NotPredicate` it builds and then calls `skip_if()`, so it treats
# `skip_if()` as one more service beside the predicate classes.
class Rule:
    def __init__(self):
        self.skips = set()


class BooleanPredicate:
    def __init__(self, value, description):
        self.value = value
        self.description = description

    def __call__(self, config):
        return self.value


class NotPredicate:
    def __init__(self, predicate):
        self.predicate = predicate

    def __call__(self, config):
        return not self.predicate(config)


def skip_if(predicate, reason=None):  # expect-line
    rule = Rule()
    rule.skips.add(predicate)
    return rule


def skip_now(predicate, config):
    if NotPredicate(predicate)(config):
        return None
    return skip_if(predicate, "skipped for this configuration")
