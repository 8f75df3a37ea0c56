# expect: none
# fixed shape for lib09: `only_if()` builds a `NotPredicate` only to pass it to
# `skip_if()`, which stores it in a rule. It runs no predicate, so `skip_if()` is a
# helper it calls, not a service written as a function beside the predicate classes.
class Rule:
    def __init__(self):
        self.skips = set()
        self.fails = set()


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


def skip_if(predicate, reason=None):
    rule = Rule()
    rule.skips.add(predicate)
    return rule


def fails_if(predicate, reason=None):
    rule = Rule()
    rule.fails.add(predicate)
    return rule


def only_if(predicate, reason=None):
    return skip_if(NotPredicate(predicate), reason)


def future():
    return fails_if(BooleanPredicate(True, "future feature"))
