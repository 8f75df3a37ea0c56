"""Django related-manager writes: the ``x.attr.add(...)`` calls that change rows.

``team.members.add(user)``, ``.remove()``, ``.set()`` and ``.clear()`` write rows: the
links of a many-to-many field, or the foreign key of the rows added to a reverse
foreign-key manager. ``thread.posts.update(...)`` and ``thread.posts.create(...)`` write
the related rows themselves. The same method names are everyday calls on sets and lists, so a
call counts only when the linter can tell what the receiver is. The object's class must
be a Django model, inferred from its type or from a variable named for the class, and
the attribute must be one of that model's related managers:

* a ``ManyToManyField`` declared on the model or a project base class, or one that
  Django's own models declare (``groups`` and ``user_permissions`` of a user,
  ``permissions`` of a group);
* the reverse accessor of a ``ManyToManyField`` or ``ForeignKey`` on another project
  model that points to it: its ``related_name``, or ``<model>_set`` without one.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from opsgen.lint import knowledge
from opsgen.lint.summary import CallSite

if TYPE_CHECKING:
    from opsgen.lint.analysis import Analysis

AUTH_USER = "django.contrib.auth.models.User"
#: Queryset writes that a related manager runs on its rows: ``thread.posts.update(hidden=True)``
#: and ``account.keys.create(...)``. A manager has no ``delete()``; ``all().delete()`` is a
#: queryset write the summary already records.
QUERYSET_WRITES = frozenset({"update", "create", "bulk_create", "get_or_create", "update_or_create"})
#: The call texts of the write methods, for one ``str.endswith`` test.
WRITE_SUFFIXES = tuple(f".{method}" for method in sorted(knowledge.RELATED_MANAGER_WRITES | QUERYSET_WRITES))


class RelatedManagers:
    """The related managers of the project's models, built on first use."""

    def __init__(self, analysis: Analysis) -> None:
        self.analysis = analysis
        self._reverse: dict[str, set[str]] | None = None
        self._models_by_name: dict[str, list[str]] | None = None
        self._user_models: list[str] | None = None
        self._managers: dict[str, frozenset[str]] = {}

    def is_write(self, call: CallSite) -> bool:
        """Return True when the call is ``add``, ``remove``, ``set``, ``clear``, ``update`` or
        ``create`` (``bulk_create``, ``get_or_create``, ``update_or_create``) on a related manager."""
        if call.write is not None or not call.text.endswith(WRITE_SUFFIXES):
            return False
        receiver = call.text.rpartition(".")[0]
        owner, _, attribute = receiver.rpartition(".")
        if not owner or not attribute or attribute.endswith(("()", "[]")):
            return False
        return any(attribute in self.managers(model) for model in self.owner_models(call, owner))

    def owner_models(self, call: CallSite, owner: str) -> list[str]:
        """Return the model classes the object ``owner`` may be, from its type or its name."""
        analysis = self.analysis
        if call.target:
            typed = call.target.rsplit(".", 2)[0]
            if typed.endswith("()"):
                klass = analysis.canonical(typed[:-2])
                if self.is_model(klass):
                    return [klass]
                if klass in analysis.index.classes:
                    return []  # a project class that is not a model: its attributes are plain values
        if owner == "request.user" or owner.endswith(".request.user"):
            return self.user_models()
        name = owner.rpartition(".")[2].lower()
        if not name or name.endswith(")"):
            return []
        models = [model for model in analysis.classes_named(name) if analysis.is_model(model)]
        if not models and (name == "user" or name.endswith("_user")):
            return self.user_models()  # user, request_user, target_user: the user model
        return models

    def is_model(self, name: str) -> bool:
        return name in knowledge.DJANGO_RELATIONS or self.analysis.is_model(name)

    def managers(self, model: str) -> frozenset[str]:
        """Return the related-manager attributes of a model: its own and inherited
        many-to-many fields, and the reverse accessors of relations that point to it."""
        cached = self._managers.get(model)
        if cached is not None:
            return cached
        found: set[str] = set()
        reverse = self.reverse_accessors()
        for ancestor in self.analysis.mro(model):
            found.update(knowledge.DJANGO_RELATIONS.get(ancestor, ()))
            found |= reverse.get(ancestor, set())
            entry = self.analysis.index.classes.get(ancestor)
            if entry is not None:
                found.update(str(attribute) for attribute, kind, _, _ in entry[1].relations if kind == "many")
        result = frozenset(found)
        self._managers[model] = result
        return result

    def reverse_accessors(self) -> dict[str, set[str]]:
        """Return, for each model a relation points to, the names of its reverse managers."""
        if self._reverse is None:
            reverse: dict[str, set[str]] = defaultdict(set)
            for qualname, (_, klass) in self.analysis.index.classes.items():
                for _, _, target, related_name in klass.relations:
                    accessor = self.reverse_name(klass.name, related_name)
                    if accessor is None or target is None:
                        continue
                    for model in self.targets(qualname, target):
                        reverse[model].add(accessor)
            self._reverse = reverse
        return self._reverse

    @staticmethod
    def reverse_name(class_name: str, related_name: str | None) -> str | None:
        """Return the reverse accessor Django gives a relation declared on ``class_name``.

        A ``related_name`` ending in ``+`` turns the accessor off. Its ``%(class)s``
        placeholder is the lowercased class name; one with ``%(app_label)s`` is skipped.
        """
        if related_name is None:
            return f"{class_name.lower()}_set"
        if related_name.endswith("+") or "%(app_label)s" in related_name:
            return None
        return related_name.replace("%(class)s", class_name.lower())

    def targets(self, owner: str, target: str) -> list[str]:
        """Return the model classes a relation field's target names."""
        if target == "self":
            return [owner]
        if target.endswith("AUTH_USER_MODEL"):
            return self.user_models()
        canonical = self.analysis.canonical(target)
        if canonical in self.analysis.index.classes or canonical in knowledge.DJANGO_RELATIONS:
            return [canonical]
        if target == "auth.User":
            return [AUTH_USER]
        return self.models_named(target.rpartition(".")[2])

    def models_named(self, name: str) -> list[str]:
        if self._models_by_name is None:
            by_name: dict[str, list[str]] = defaultdict(list)
            for qualname, (_, klass) in self.analysis.index.classes.items():
                if self.analysis.is_model(qualname):
                    by_name[klass.name].append(qualname)
            self._models_by_name = by_name
        return self._models_by_name.get(name, [])

    def user_models(self) -> list[str]:
        """Return the project's custom user models, or Django's ``User`` when it has none."""
        if self._user_models is None:
            analysis = self.analysis
            custom = [name for name in analysis.index.classes if analysis.class_matches(name, knowledge.USER_MODEL_BASES)]
            self._user_models = custom or [AUTH_USER]
        return self._user_models
