# expect: none
# fixed shape for lock04: the column row is locked before its cards are counted
from django.db import transaction

from boards.models import Card, Column


def add_card(column_id, title):
    with transaction.atomic():
        column = Column.objects.select_for_update().get(pk=column_id)
        position = column.cards.count() + 1
        return Card.objects.create(column=column, title=title, position=position)
