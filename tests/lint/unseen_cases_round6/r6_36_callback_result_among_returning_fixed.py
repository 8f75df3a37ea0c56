# expect: none
# fixed shape: every service returns the subscription and lets errors propagate
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

    def execute(self):
        self.subscription.change_plan(self.plan)
        return self.subscription
