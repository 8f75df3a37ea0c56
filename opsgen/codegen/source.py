"""The specs the generator renders, whichever loader produced them.

The generator reads only what is declared here: each operation's validated
:class:`~opsgen.spec.model.OperationSpec` with the path of its file, and the shared types
with theirs. :func:`load_source` gets them from :func:`opsgen.spec.loader.load_specs`,
which reports every spec error with file, line and column; the rest of the generator
never imports the loader.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from opsgen.codegen.errors import PathError
from opsgen.runtime.stale_specs import spec_file_paths

if TYPE_CHECKING:
    from opsgen.spec.model import OperationSpec, SharedTypeSpec


@dataclass(frozen=True)
class SourceOperation:
    spec: OperationSpec
    #: Path of the spec file relative to the parent of the specs folder, with ``/``
    #: separators: ``specs/billing/credit_account.yaml``. It names the source in headers.
    path: str


@dataclass(frozen=True)
class SourceType:
    name: str
    spec: SharedTypeSpec
    path: str


@dataclass(frozen=True)
class SpecSource:
    operations: tuple[SourceOperation, ...]
    types: tuple[SourceType, ...]
    #: Every spec file, relative as above, with its bytes: the input of the no-op check.
    files: tuple[tuple[str, bytes], ...]


def relative_spec_path(path: Path, specs_dir: Path, specs_name: str | None = None) -> str:
    """Return ``path`` relative to the parent of ``specs_dir``, with ``/`` separators.

    ``path`` must lie under ``specs_dir`` as given (not resolved); ``specs_name``, the
    resolved folder name, saves resolving it again for every file.
    """
    name = specs_name if specs_name is not None else specs_dir.resolve().name
    return f"{name}/{path.relative_to(specs_dir).as_posix()}"


def read_spec_files(specs_dir: Path) -> tuple[tuple[str, bytes], ...]:
    """Read every ``*.yaml`` and ``*.yml`` file under ``specs_dir``, sorted by relative path.

    Raises :class:`PathError` for a file whose path is not valid UTF-8, because the
    path is written into the generated code and the manifest.
    """
    found = spec_file_paths(specs_dir)
    name = specs_dir.resolve().name
    for path in found:
        check_utf8_path(path)
    entries = [(relative_spec_path(p, specs_dir, name), p.read_bytes()) for p in found]
    return tuple(sorted(entries))


def check_utf8_path(path: Path) -> None:
    """Raise :class:`PathError` when ``path`` contains bytes that are not UTF-8."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        shown = os.fsencode(path).decode("utf-8", errors="backslashreplace")
        raise PathError(f"the spec file name {shown} is not valid UTF-8; rename the file") from None


def load_source(
    specs_dir: Path,
    audit_entities: frozenset[str] | None = None,
    files: tuple[tuple[str, bytes], ...] | None = None,
) -> SpecSource:
    """Load and validate every spec under ``specs_dir`` with :func:`opsgen.spec.loader.load_specs`.

    ``audit_entities``, when given, are the entity names a spec's ``audit.changes`` may
    list. ``files`` is what :func:`read_spec_files` returned for ``specs_dir`` earlier in
    the run, so that the folder is not read again. Without it the folder is read here.
    Raises :class:`opsgen.spec.errors.SpecErrors` with every problem found, each with
    file, line and column.
    """
    from opsgen.spec.loader import load_specs

    spec_set = load_specs(specs_dir, audit_entities=audit_entities)
    specs_name = specs_dir.resolve().name
    operations = tuple(
        SourceOperation(op.spec, relative_spec_path(op.path, specs_dir, specs_name))
        for op in spec_set.operations
    )
    types = tuple(
        SourceType(name, loaded.spec, relative_spec_path(loaded.path, specs_dir, specs_name))
        for name, loaded in sorted(spec_set.types.items())
    )
    return SpecSource(operations, types, files if files is not None else read_spec_files(specs_dir))
