"""The copy of the spec JSON Schema in a project's specs folder, for editors.

``opsgen init`` writes ``spec.schema.json`` next to the specs, and the example spec's
``# yaml-language-server: $schema=...`` comment points at it by a relative path, so the
editor setup works in any project, not only in an opsgen source checkout. The copy
carries opsgen's marker in its ``$comment``. ``opsgen generate`` rewrites a copy with the
marker when the installed opsgen's schema differs, and never touches a file without it.
A copy that is a symbolic link is rewritten where it points, so the link stays, but only
when that file is inside the project, because a link out of it can reach any file.
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
    #: A stale copy that is a symbolic link to a file outside the project: it was kept.
    linked_outside = "linked outside"


def write_schema_copy(specs_dir: Path, *, create: bool, project: Path) -> SchemaCopy:
    """Bring ``specs_dir/spec.schema.json`` up to date with the installed opsgen.

    Creates the file only when ``create`` is true. Rewrites an existing file only when
    it carries opsgen's marker; a file without it is the user's and is left unchanged.
    A symbolic link is rewritten through, at its target, when the target is inside the
    ``project`` folder, and left unchanged otherwise.
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

    # Replacing the link with a regular file would undo the user's choice to share one copy.
    target = Path(os.path.realpath(path))
    if path.is_symlink() and not target.is_relative_to(os.path.realpath(project)):
        logger.info("kept the spec schema copy %s, a link to %s outside the project %s", path, target, project)
        return SchemaCopy.linked_outside
    write_file_atomically(target, text, overwrite=True)
    logger.info("refreshed the spec schema copy %s", target)
    return SchemaCopy.updated


def outside_link_message(path: Path, display: str) -> str:
    """Say that the stale copy at ``path``, displayed as ``display``, links out of the project, and how to refresh it."""
    target = os.path.realpath(path)
    return (
        f"kept {display}, a symbolic link to {target}, outside the project, although the installed opsgen's "
        f"schema differs, because opsgen does not write through a link out of the project. Refresh it with "
        f"`opsgen schema --output {target}`, or replace the link with a copy that opsgen keeps current"
    )
