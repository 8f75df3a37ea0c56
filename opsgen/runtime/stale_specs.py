"""Warn when the specs changed after their generated package was written.

An application runs the generated package it imports, whatever its specs say now. When
a spec is edited and ``opsgen generate`` is not run again, the old models, declarations
and signatures stay in force, and nothing fails until a caller notices. So the
generated registry calls :func:`warn_if_specs_changed` when it builds ``ops``, which
happens when the application imports it. The function compares the spec files on disk
with the digests that ``opsgen generate`` recorded in the package's manifest. When they
differ, it logs one warning that names each changed, added or removed spec file and the
command that brings the package up to date, much as Django warns about unapplied
migrations.

A deployed application usually has no specs beside its code, and then the check stays
silent. It needs only :mod:`json` and :mod:`hashlib`, so applications never import the
spec loader or the generator. The generator uses :func:`spec_file_paths` too, so both
sides agree on which files are specs.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shlex
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from opsgen.runtime.plural import counted

logger = logging.getLogger(__name__)

#: The manifest that ``opsgen generate`` writes into the generated package.
MANIFEST = "_opsgen_manifest.json"

#: File suffixes of spec files; every such file under the specs folder is a spec.
SPEC_SUFFIXES = frozenset({".yaml", ".yml"})

#: Spec files named per kind of change in the warning; the rest are counted.
MAX_LISTED = 5

_checked: set[str] = set()
_checked_lock = threading.Lock()


@dataclass(frozen=True)
class SpecChanges:
    """The differences between the spec files on disk and those a generated package was written from.

    Paths are relative to the specs folder, with ``/`` separators, sorted.
    """

    package: Path
    specs_folder: Path
    changed: tuple[str, ...]
    added: tuple[str, ...]
    removed: tuple[str, ...]

    @property
    def any(self) -> bool:
        """Whether any spec file was changed, added or removed."""
        return bool(self.changed or self.added or self.removed)


def spec_file_paths(folder: Path) -> list[Path]:
    """Return every ``*.yaml`` and ``*.yml`` file at any depth under ``folder``, unsorted."""
    return [Path(path) for path in _spec_file_names(os.fspath(folder))]


def _spec_file_names(folder: str) -> list[str]:
    """Return the paths of the spec files under ``folder``, as :func:`spec_file_paths` defines them.

    It walks with :func:`os.scandir`, whose entries usually know their type without a
    ``stat`` call, because ``Path.rglob`` costs several times as much on a large folder.
    Like ``rglob``, it does not descend into links to folders, and skips subfolders it
    may not read.
    """
    found: list[str] = []
    pending = [folder]
    while pending:
        current = pending.pop()
        try:
            with os.scandir(current) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        pending.append(entry.path)
                    elif os.path.splitext(entry.name)[1] in SPEC_SUFFIXES and entry.is_file():
                        found.append(entry.path)
        except PermissionError:
            if current == folder:
                raise
    return found


def spec_digest(data: bytes) -> str:
    """Return the hex SHA-256 of a spec file's bytes, as the manifest records it."""
    return hashlib.sha256(data).hexdigest()


def find_spec_changes(package: Path) -> SpecChanges | None:
    """Compare the spec files recorded in the manifest of ``package`` with those on disk.

    Returns ``None`` when there is nothing to compare. That is the case when the
    manifest is missing or unreadable, or has no ``specs`` record because an older
    opsgen wrote it. It is also the case when the recorded specs folder contains no
    spec file, as in a deployed application. Raises ``OSError`` when a spec file exists
    but cannot be read.
    """
    recorded = _recorded_specs(package / MANIFEST)
    if recorded is None:
        return None
    folder_text, recorded_digests = recorded
    # The generator computed the relative path between resolved folders, so resolve the
    # package's links before following the path's ``..`` parts.
    folder = os.path.normpath(os.path.join(os.path.realpath(package), folder_text))
    if not os.path.isdir(folder):
        return None
    paths = _spec_file_names(folder)
    if not paths:
        return None

    current: dict[str, str] = {}
    prefix = len(folder) + len(os.sep)
    for path in paths:
        with open(path, "rb") as file:
            data = file.read()
        current[path[prefix:].replace(os.sep, "/")] = spec_digest(data)
    common = current.keys() & recorded_digests.keys()
    changed = sorted(name for name in common if current[name] != recorded_digests[name])
    added = sorted(current.keys() - recorded_digests.keys())
    removed = sorted(recorded_digests.keys() - current.keys())
    return SpecChanges(package, Path(folder), tuple(changed), tuple(added), tuple(removed))


def warn_if_specs_changed(module_file: str) -> None:
    """Log one warning when the specs of a generated package changed after it was generated.

    ``module_file`` is the ``__file__`` of a module at the top of the generated package,
    such as its ``registry.py``. The comparison runs once per package and process, so
    building the registry again costs nothing. An ``OSError`` that stops the comparison,
    such as a spec file without read permission, is logged at debug level and not
    raised, because the check must not stop the application from importing its operations.
    """
    package = Path(module_file).parent
    key = os.path.realpath(package)
    with _checked_lock:
        if key in _checked:
            return
        _checked.add(key)
    try:
        changes = find_spec_changes(package)
    except OSError as exc:
        logger.debug("cannot compare the specs of generated package %s with its manifest: %s", package, exc)
        return
    if changes is not None and changes.any:
        logger.warning("%s", stale_message(changes))


def stale_message(changes: SpecChanges) -> str:
    """Return the warning for ``changes``: the changed spec files and the command to run."""
    groups = []
    for label, names in (("changed", changes.changed), ("added", changes.added), ("removed", changes.removed)):
        if names:
            listed = ", ".join(_display(changes.specs_folder / name) for name in names[:MAX_LISTED])
            if len(names) > MAX_LISTED:
                listed += f" and {counted(len(names) - MAX_LISTED, 'more file')}"
            groups.append(f"{label}: {listed}")
    command = f"opsgen generate {shlex.quote(_display(changes.specs_folder))}"
    return (
        f"generated package {_display(changes.package)} is out of date with its specs "
        f"({'; '.join(groups)}), so this process runs the code generated from the previous "
        f"specs; run `{command}` to update it"
    )


def _recorded_specs(manifest_path: Path) -> tuple[str, dict[str, str]] | None:
    """Return the specs folder (relative to the package) and the spec digests the manifest recorded."""
    try:
        manifest = json.loads(manifest_path.read_bytes())
    except (OSError, ValueError):
        return None
    record = manifest.get("specs") if isinstance(manifest, dict) else None
    if not isinstance(record, dict):
        return None
    folder = record.get("folder")
    files = record.get("files")
    if not isinstance(folder, str) or not isinstance(files, Mapping):
        return None
    digests = {name: digest for name, digest in files.items() if isinstance(name, str) and isinstance(digest, str)}
    return folder, digests


def _display(path: Path) -> str:
    """Return ``path`` relative to the working folder when it lies below it, else absolute."""
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(absolute)
