# expect: none
# The column row is locked before the count, so cards added at once take turns.
from django.db import transaction

from boards.models import Card, Column
from boards.queries import count_cards


def add_card(column, title):
    with transaction.atomic():
        Column.objects.select_for_update().get(pk=column.pk)
        position = count_cards(column) + 1
        return Card.objects.create(column=column, title=title, position=position)
