# expect: none
from haystack import connections, indexes

from notes.models import Note


class NoteIndex(indexes.SearchIndex, indexes.Indexable):
    text = indexes.CharField(document=True, use_template=True)
    author = indexes.CharField(model_attr="author__username")

    def get_model(self):
        return Note


def refresh_search(note):
    connections["default"].get_unified_index().get_index(Note).update_object(note)
