# expect: missing-lock
# pattern: a new card goes to the end of its column, numbered from the column's card count
#          read through the related manager; two cards added at once get the same position
from django.db import transaction

from boards.models import Card, Column


def add_card(column_id, title):
    with transaction.atomic():
        column = Column.objects.get(pk=column_id)
        position = column.cards.count() + 1  # expect-line
        return Card.objects.create(column=column, title=title, position=position)
