"""Load a specs folder: read, parse, validate and resolve every spec file.

:func:`load_specs` is the one entry point. It reads every ``*.yaml`` and ``*.yml`` file
under the folder in sorted order and either returns a :class:`SpecSet` or raises
:class:`SpecErrors` holding every problem of every file, each with its position, the
offending line and a hint. A file that fails to parse or to validate still lets the
others be checked, and the shared type names it declares still count as known, so one
broken types file does not bury the folder under "unknown type" errors.

A file with YAML problems reports each one that the reader gets past (see
:mod:`opsgen.spec.yamlsafe`), then gets the names and type references of what it read
checked, as a file that failed validation does. It is validated against the format only
once its YAML is clean. A syntax error stops the reading of its file: only the type
names declared before it count as known.

Only regular files inside the specs folder are read (see :mod:`opsgen.spec.files`).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from collections.abc import Callable
from typing import Any

from opsgen.spec.errors import SpecError, SpecErrors, display_path
from opsgen.spec.files import RejectedSpecFile, read_spec_bytes, spec_files
from opsgen.spec.model import OperationSpec, TypesSpec
from opsgen.spec.semantics import Checker, Document
from opsgen.spec.specset import LoadedOperation, LoadedType, SpecSet
from opsgen.spec.validate import expand_shorthand, validate_document, validate_pruned
from opsgen.spec.yamlsafe import ParsedDocument, YamlProblem, parse_document
from opsgen.spec.yamlsafe import Path as DocPath

__all__ = ["LoadedOperation", "LoadedType", "SpecError", "SpecErrors", "SpecSet", "load_specs", "spec_files"]

logger = logging.getLogger(__name__)

def load_specs(specs_dir: Path, *, audit_entities: frozenset[str] | None = None) -> SpecSet:
    """Load and validate every spec under ``specs_dir``.

    ``audit_entities``, when given, are the audited entity names that a spec's
    ``audit.changes`` may list. Raises :class:`SpecErrors` with every problem of every
    file when anything is wrong, including a missing folder.
    """
    started = time.perf_counter()
    if not specs_dir.is_dir():
        raise SpecErrors(
            [SpecError(specs_dir, 0, 0, "the specs folder does not exist", "create it, or pass the folder that holds the *.yaml specs")]
        )

    collector = _Collector()
    operation_documents: list[Document] = []
    type_documents: list[Document] = []
    raw_type_names: set[str] = set()
    invalid_documents: list[tuple[Path, ParsedDocument]] = []
    partial_type_files: list[str] = []
    root = specs_dir.resolve()
    folders_inside: dict[Path, bool] = {}
    for path in spec_files(specs_dir):
        document = _read_document(path, root, collector, folders_inside)
        if document is None:
            continue
        parsed, model, dropped = document
        if dropped:
            declared = _declared_type_names(parsed.data)
            raw_type_names |= declared
            if parsed.has_data:
                invalid_documents.append((path, parsed))
            elif _is_types_file(parsed.data):
                partial_type_files.append(display_path(path))
        if model is None:
            continue
        entry = Document(path, model, collector.reporter(path, parsed), parsed, dropped)
        if isinstance(model, TypesSpec):
            type_documents.append(entry)
        else:
            operation_documents.append(entry)

    checker = Checker(
        known_type_names=frozenset(raw_type_names),
        partial_type_files=tuple(partial_type_files),
        audit_entities=audit_entities,
    )
    checker.declare_types(type_documents)
    checker.resolve_types()
    checker.check_operations(operation_documents)
    for path, parsed in invalid_documents:
        checker.check_invalid_document(parsed.data, collector.reporter(path, parsed))

    if collector.errors:
        raise SpecErrors(_unique(collector.errors))
    operations = sorted(checker.operations, key=lambda op: op.name)
    elapsed = time.perf_counter() - started
    logger.debug("loaded %d operations and %d types from %s in %.3f s", len(operations), len(checker.loaded_types), specs_dir, elapsed)
    return SpecSet(operations=operations, types=dict(sorted(checker.loaded_types.items())))


class _Collector:
    def __init__(self) -> None:
        self.errors: list[SpecError] = []

    def add(self, path: Path, parsed: ParsedDocument | None, line: int, column: int, message: str, hint: str | None) -> None:
        source = parsed.source_line(line) if parsed is not None else None
        self.errors.append(SpecError(path, line, column, message, hint, source))

    def reporter(self, path: Path, parsed: ParsedDocument) -> Callable[[DocPath, str, str | None, bool, int], None]:
        def report(at: DocPath, message: str, hint: str | None, key: bool, offset: int) -> None:
            line, column = parsed.position_of(at, key=key)
            if offset:
                source = parsed.source_line(line) or ""
                quoted = column - 1 < len(source) and source[column - 1] in "'\""
                column += offset + (1 if quoted else 0)
            self.add(path, parsed, line, column, message, hint)

        return report


def _unique(errors: list[SpecError]) -> list[SpecError]:
    """Drop repeats: a document that failed validation is checked both raw and pruned."""
    seen: set[tuple[Path, int, int, str]] = set()
    unique: list[SpecError] = []
    for error in errors:
        key = (error.path, error.line, error.column, error.message)
        if key not in seen:
            seen.add(key)
            unique.append(error)
    return unique


def _read_document(
    path: Path, root: Path, collector: _Collector, folders_inside: dict[Path, bool]
) -> tuple[ParsedDocument, OperationSpec | TypesSpec | None, frozenset[str]] | None:
    """Read, parse and validate one file. ``folders_inside`` goes to :func:`read_spec_bytes`.

    Returns the document, its model and no dropped names when it is valid. When it is
    invalid, the problems are reported and the model is the one validated without the
    faulty entries (or ``None``), with the names of the dropped entries. A document with
    YAML problems comes back without a model, with the data read past them (only up to
    a syntax error, and then ``has_data`` is false).
    """
    try:
        raw = read_spec_bytes(path, root, folders_inside)
    except RejectedSpecFile as rejected:
        collector.add(path, None, rejected.line, rejected.line, rejected.message, rejected.hint)
        return None

    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        collector.add(path, None, line, column, f"the file is not valid UTF-8 (byte 0x{raw[exc.start]:02x})", "save the file as UTF-8")
        return None

    try:
        parsed = parse_document(text)
    except YamlProblem as problem:
        lines = text.splitlines()
        for yaml_problem in problem.found:
            line = yaml_problem.line
            source = lines[line - 1] if 1 <= line <= len(lines) else None
            collector.errors.append(SpecError(path, line, yaml_problem.column, yaml_problem.message, yaml_problem.hint, source))
        if problem.document is None:
            return None
        data = problem.document.data
        if isinstance(data, dict) and data.get("kind", "operation") in ("operation", "types"):
            expand_shorthand(data, str(data.get("kind", "operation")))
        return problem.document, None, frozenset({"*"})

    model, problems = validate_document(parsed)
    if not problems:
        return parsed, model, frozenset()
    for found in problems:
        line, column = parsed.position_of(found.path, key=found.at_key)
        collector.add(path, parsed, line, column, found.message, found.hint)
    if not isinstance(parsed.data, dict):
        return parsed, None, frozenset({"*"})
    pruned = validate_pruned(parsed.data, problems)
    if pruned is None:
        return parsed, None, frozenset({"*"})
    return parsed, pruned[0], pruned[1]


def _declared_type_names(data: Any) -> set[str]:
    if _is_types_file(data) and isinstance(data.get("types"), dict):
        return {name for name in data["types"] if isinstance(name, str)}
    return set()


def _is_types_file(data: Any) -> bool:
    return isinstance(data, dict) and data.get("kind") == "types"
