"""Clashes between the operation names of different spec files.

Two operations clash when they have the same name or when one's name is the package of
another's. They also clash when two segments at the same place become the same CamelCase
class name. An operation clashes with a shared type when a class generated for the
operation has the type's name. Each clash is
reported once, at the file that introduces it, and the message names the other file with
its line and column:

- a repeated name is reported at every file after the first, in path order;
- a name that is also a package is reported at the file that declares that name;
- of two segments with the same class name, the one more operations use stays, and the
  other is reported at the first file that uses it (ties go to the segment used first
  in path order);
- a generated class that has a shared type's name is reported at the operation.

A spec whose own name is invalid takes no part: its name error is already reported, and
a clash with a name that has to change anyway would only blame correct files.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from opsgen.spec import names
from opsgen.spec.model import OperationSpec
from opsgen.spec.specset import LoadedOperation

if TYPE_CHECKING:
    from opsgen.spec.semantics import Document

_NAME = ("name",)


def check_operation_names(
    documents: Sequence[Document], operations: Sequence[LoadedOperation], shared_types: Mapping[str, Document]
) -> None:
    """Report every name clash between operation specs; ``shared_types`` maps each type to its file."""
    by_name = _unique_operations(documents)
    _check_packages(by_name)
    _check_class_segments(by_name)
    _check_shared_types(by_name, operations, shared_types)


def _unique_operations(documents: Sequence[Document]) -> dict[str, Document]:
    """Return the first file of each valid operation name, reporting the files that repeat one."""
    by_name: dict[str, Document] = {}
    for document in documents:
        assert isinstance(document.model, OperationSpec)
        name = document.model.name
        if names.check_operation_name(name) is not None:
            continue
        first = by_name.setdefault(name, document)
        if first is not document:
            document.error(
                _NAME,
                f"the operation {name!r} is already declared in {first.location(_NAME)}",
                "each operation has one spec file; rename or remove one of them",
            )
    return by_name


def _check_packages(by_name: Mapping[str, Document]) -> None:
    operations_inside: dict[str, list[str]] = {}
    for name in by_name:
        segments = name.split(".")
        for end in range(1, len(segments)):
            operations_inside.setdefault(".".join(segments[:end]), []).append(name)

    for name, document in by_name.items():
        inside = operations_inside.get(name)
        if not inside:
            continue
        others = len(inside) - 1
        more = f", and of {others} more {'operation' if others == 1 else 'operations'}" if others else ""
        document.error(
            _NAME,
            f"the operation {name!r} is also the package of {inside[0]!r}, declared in "
            f"{by_name[inside[0]].location(_NAME)}{more}",
            "a name cannot be both a module and a package in generated code; rename one of them",
        )


def _check_class_segments(by_name: Mapping[str, Document]) -> None:
    # (package, class name) -> segment -> the operations using it there, in path order.
    users: dict[tuple[str, str], dict[str, list[str]]] = {}
    for name in by_name:
        segments = name.split(".")
        for level, segment in enumerate(segments):
            place = (".".join(segments[:level]), names.camel_case(segment))
            users.setdefault(place, {}).setdefault(segment, []).append(name)

    for (package, class_name), by_segment in users.items():
        if len(by_segment) < 2:
            continue
        # sorted() is stable, so of segments used equally often the one used first keeps the name.
        ranked = sorted(by_segment.items(), key=lambda item: -len(item[1]))
        owning_segment, owning_users = ranked[0]
        owner = by_name[owning_users[0]]
        for segment, segment_users in ranked[1:]:
            name = segment_users[0]
            offset = len(package) + 1 if package else 0
            hint = "rename one of them so their CamelCase forms differ"
            others = len(segment_users) - 1
            if others:
                hint += f". {others} more {'spec uses' if others == 1 else 'specs use'} {segment!r} in the same place"
            by_name[name].error(
                _NAME,
                f"the segment {segment!r} of {name!r} and the segment {owning_segment!r} of {owning_users[0]!r} "
                f"({owner.location(_NAME)}) both become the class name {class_name!r}",
                hint,
                offset=offset,
            )


def _check_shared_types(
    by_name: Mapping[str, Document], operations: Sequence[LoadedOperation], shared_types: Mapping[str, Document]
) -> None:
    for operation in operations:
        document = by_name.get(operation.name)
        if document is None or document.path != operation.path:
            continue
        for class_name in operation.generated_class_names:
            declared_in = shared_types.get(class_name)
            if declared_in is None:
                continue
            document.error(
                _NAME,
                f"the generated class {class_name!r} of {operation.name!r} collides with the shared type "
                f"{class_name!r} declared in {declared_in.location(('types', class_name), key=True)}",
                "rename the shared type or the operation",
            )
