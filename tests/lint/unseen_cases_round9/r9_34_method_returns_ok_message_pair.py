# expect: non-uniform-interface
# pattern: SubscriptionService methods return the Stripe object and raise BillingError,
#          except change_plan(), which returns an (ok, message) pair
import stripe


class BillingError(Exception):
    pass


class SubscriptionService:
    def __init__(self, customer):
        self.customer = customer

    def start_trial(self, plan):
        try:
            return stripe.Subscription.create(
                customer=self.customer.stripe_id,
                items=[{"price": plan.price_id}],
                trial_period_days=14,
            )
        except stripe.error.StripeError as exc:
            raise BillingError(f"trial for customer {self.customer.pk} failed: {exc}") from exc

    def cancel(self, subscription_id):
        try:
            return stripe.Subscription.cancel(subscription_id)
        except stripe.error.StripeError as exc:
            raise BillingError(f"cancelling {subscription_id} failed: {exc}") from exc

    def change_plan(self, subscription_id, plan):  # expect-line: (ok, message) instead of raising
        try:
            subscription = stripe.Subscription.retrieve(subscription_id)
            stripe.Subscription.modify(
                subscription_id,
                items=[{"id": subscription["items"]["data"][0]["id"], "price": plan.price_id}],
            )
        except stripe.error.StripeError as exc:
            return False, str(exc)
        return True, None
