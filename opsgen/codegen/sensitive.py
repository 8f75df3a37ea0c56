"""Derive the sensitive paths of an operation from its spec's types.

A path names where a sensitive value sits, starting with the spec section that
declares it: ``input.card.number`` for a ``Card`` input whose ``number`` is sensitive,
``input.cards.*.number`` through a list or map, ``errors.declined.details.pan`` and
``side_effects.notify.payload.phone``. The runtime redacts exactly these places (see
:mod:`opsgen.runtime.redaction`), so an output field that shares a name with a
sensitive input field stays readable. A field with an alias has a path under its JSON
key (``input.json``) and one under its Python name (``input.json_``).

A field marked sensitive, or whose type is a shared type marked sensitive, is redacted
whole, lists and maps of it included. A recursive type (``Node`` with
``children: list[Node]``) has no finite set of paths. Below the field where the cycle
starts, its sensitive keys are written with ``**`` (``tree.**.secret``). That covers
every depth, at the price of also redacting a key with the same relative path that
another type nested inside the cycle declares.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from opsgen.runtime.redaction import ANY_DEPTH, ANY_KEY
from opsgen.spec.model import FieldSpec, OperationSpec, SharedTypeSpec
from opsgen.spec.names import python_field_name

_CONTAINER = re.compile(r"(list|map)\[(.*)\]")


def operation_sensitive_paths(spec: OperationSpec, types: Mapping[str, SharedTypeSpec]) -> list[str]:
    """Return the sorted sensitive paths of every section of ``spec``."""
    walker = _Walker(types)
    sections: list[tuple[str, Mapping[str, FieldSpec | str]]] = [("input", spec.input), ("output", spec.output)]
    sections += [(f"errors.{code}.details", error.details) for code, error in spec.errors.items()]
    sections += [(f"side_effects.{name}.payload", effect.payload) for name, effect in spec.side_effects.items()]
    paths: set[str] = set()
    for prefix, fields in sections:
        paths |= walker.fields(fields, prefix)
    return sorted(paths)


class _Walker:
    def __init__(self, types: Mapping[str, SharedTypeSpec]) -> None:
        self.types = types
        #: The shared object types being walked, each with the path where the walk entered it.
        self.entered: dict[str, str] = {}
        #: Types of ``entered`` that a field inside them refers to again.
        self.recursive: set[str] = set()

    def fields(self, fields: Mapping[str, FieldSpec | str], prefix: str) -> set[str]:
        found: set[str] = set()
        for name, raw in fields.items():
            field = FieldSpec(type=raw) if isinstance(raw, str) else raw
            # A model with an aliased field also takes it by its Python name, and input
            # that the model rejects is recorded with the keys the caller sent.
            for key in sorted({name, python_field_name(name)}):
                path = f"{prefix}.{key}"
                if field.sensitive:
                    found.add(path)
                elif field.type is not None:
                    found |= self.expression(field.type, path)
        return found

    def expression(self, expression: str, path: str) -> set[str]:
        text = expression.replace(" ", "")
        container = _CONTAINER.fullmatch(text)
        if container is not None:
            return self.expression(container.group(2), f"{path}.{ANY_KEY}")
        shared = self.types.get(text)
        if shared is None:
            return set()
        if shared.sensitive:
            # A list or map of a sensitive type makes the whole field sensitive.
            while path.endswith(f".{ANY_KEY}"):
                path = path.removesuffix(f".{ANY_KEY}")
            return {path}
        if shared.type is not None:
            return self.expression(shared.type, path)
        if shared.fields is None:
            return set()
        if text in self.entered:
            self.recursive.add(text)
            return set()
        return self.object_type(text, shared.fields, path)

    def object_type(self, name: str, fields: Mapping[str, FieldSpec | str], path: str) -> set[str]:
        self.entered[name] = path
        try:
            found = self.fields(fields, path)
        finally:
            del self.entered[name]
        if name not in self.recursive:
            return found
        self.recursive.discard(name)
        # Every value of this type below ``path`` has the same sensitive keys relative to itself.
        return found | {f"{path}.{ANY_DEPTH}.{found_path.removeprefix(path + '.')}" for found_path in found}
