# expect: none
# fixed shape for r9x_46: detach_card() raises BillingError like the other services
from billing.gateway import vault
from billing.models import Card
from billing.services.errors import BillingError, CardDeclined


def attach_card(customer, token: str) -> Card:
    stored = vault.store(token)
    if stored.declined:
        raise CardDeclined(f"card for customer {customer.pk} was declined: {stored.reason}")
    return Card.objects.create(customer=customer, vault_id=stored.id, last4=stored.last4)


def detach_card(card: Card) -> Card:
    if card.is_default:
        raise BillingError(f"card {card.pk} is the default card and cannot be removed")
    vault.delete(card.vault_id)
    card.delete()
    return card
