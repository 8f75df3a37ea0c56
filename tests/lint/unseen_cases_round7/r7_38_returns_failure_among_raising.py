# expect: non-uniform-interface
from dataclasses import dataclass

from returns.result import Failure, Result, Success

from .models import Account, Card


class NotFound(Exception):
    pass


@dataclass
class CloseAccount:
    account_id: int

    def execute(self) -> Account:
        account = Account.objects.filter(pk=self.account_id).first()
        if account is None:
            raise NotFound(self.account_id)
        account.close()
        return account


@dataclass
class FreezeCard:
    card_id: int

    def execute(self) -> Card:
        card = Card.objects.filter(pk=self.card_id).first()
        if card is None:
            raise NotFound(self.card_id)
        card.freeze()
        return card


@dataclass
class UnfreezeCard:
    card_id: int

    def execute(self) -> Result[Card, str]:  # expect-line
        card = Card.objects.filter(pk=self.card_id).first()
        if card is None:
            return Failure(f"card {self.card_id} not found")
        card.unfreeze()
        return Success(card)
