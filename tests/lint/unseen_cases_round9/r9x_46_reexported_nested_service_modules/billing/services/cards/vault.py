# expect: non-uniform-interface
# pattern: the billing services package re-exports functions from nested modules; they
#          raise BillingError, but detach_card() returns an (ok, message) pair
from billing.gateway import vault
from billing.models import Card
from billing.services.errors import CardDeclined


def attach_card(customer, token: str) -> Card:
    stored = vault.store(token)
    if stored.declined:
        raise CardDeclined(f"card for customer {customer.pk} was declined: {stored.reason}")
    return Card.objects.create(customer=customer, vault_id=stored.id, last4=stored.last4)


def detach_card(card: Card):  # expect-line: (ok, message) instead of raising
    if card.is_default:
        return False, "the default card cannot be removed"
    vault.delete(card.vault_id)
    card.delete()
    return True, None
