"""The copy of the spec JSON Schema in a project's specs folder, for editors.

``opsgen init`` writes ``spec.schema.json`` next to the specs, and the example spec's
``# yaml-language-server: $schema=...`` comment points at it by a relative path, so the
editor setup works in any project, not only in an opsgen source checkout. The copy
carries opsgen's marker in its ``$comment``. ``opsgen generate`` rewrites a copy with the
marker when the installed opsgen's schema differs, and never touches a file without it.
"""

from __future__ import annotations

import logging
import os
from enum import Enum
from pathlib import Path

from opsgen.codegen.errors import PathError
from opsgen.codegen.user_files import read_regular_file
from opsgen.codegen.writer import write_file_atomically
from opsgen.spec.schema import SCHEMA_MARKER, render_schema

logger = logging.getLogger(__name__)

#: File name of the copy inside the specs folder.
SCHEMA_FILE = "spec.schema.json"


class SchemaCopy(str, Enum):
    """Outcome of :func:`write_schema_copy`."""

    created = "created"
    updated = "updated"
    current = "current"
    #: The file exists without opsgen's marker and differs: it was kept as it is.
    foreign = "foreign"
    #: No file, and ``create`` was false.
    absent = "absent"


def write_schema_copy(specs_dir: Path, *, create: bool) -> SchemaCopy:
    """Bring ``specs_dir/spec.schema.json`` up to date with the installed opsgen.

    Creates the file only when ``create`` is true. Rewrites an existing file only when
    it carries opsgen's marker; a file without it is the user's and is left unchanged.
    """
    path = specs_dir / SCHEMA_FILE
    text = render_schema()
    if not os.path.lexists(path):
        if not create:
            return SchemaCopy.absent
        write_file_atomically(path, text, overwrite=False)
        return SchemaCopy.created

    try:
        existing = read_regular_file(path).decode("utf-8", errors="replace")
    except PathError:
        return SchemaCopy.foreign  # a folder, FIFO or broken link there is the user's
    if existing == text:
        return SchemaCopy.current
    if SCHEMA_MARKER not in existing:
        return SchemaCopy.foreign
    write_file_atomically(path, text, overwrite=True)
    logger.info("refreshed the spec schema copy %s", path)
    return SchemaCopy.updated
