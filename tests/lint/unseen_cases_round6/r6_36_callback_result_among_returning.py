# expect: non-uniform-interface
# pattern: one service reports its outcome through on_success/on_error callbacks while
#          the module's other services return the result and raise on failure
from dataclasses import dataclass


@dataclass
class RenewSubscription:
    subscription: object

    def execute(self):
        self.subscription.renew()
        return self.subscription


@dataclass
class CancelSubscription:
    subscription: object

    def execute(self):
        self.subscription.cancel()
        return self.subscription


@dataclass
class ChangePlan:
    subscription: object
    plan: object

    def execute(self, on_success, on_error):  # expect-line
        try:
            self.subscription.change_plan(self.plan)
        except ValueError as exc:
            on_error(exc)
        else:
            on_success(self.subscription)
