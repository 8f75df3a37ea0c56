"""Write the files of one ``opsgen generate`` run all together, or none of them.

A run changes the generated package, which is swapped as a whole folder, and the user's
implementations folder: scaffolds it creates, ``run`` signatures it updates. Without
care, an error in the middle leaves a generated package that disagrees with the
implementations. :func:`write_changes` therefore prepares everything before it moves
anything: the package is staged and flushed to disk, and each user file's new text waits
in a flushed temporary file beside it. Then it moves the user files into place and swaps
the package last. When any step before the swap raises, it puts back every user file it
had moved, so the project is as the run found it.

NOTE: a process killed during the moves (SIGKILL, power loss) does not get to undo them.
It can leave new scaffolds or signatures beside the old package, and temporary
``.NAME.opsgen-PID.tmp`` files in the implementations folder. The next run repairs the
package, because the manifest on disk still records the old inputs digest.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from opsgen.codegen.writer import (
    fsync_dir,
    interrupts_deferred,
    link_new_file,
    real_path,
    recover,
    remove_old_package,
    remove_temporaries,
    stage_files,
    stage_package,
    swap_in,
    write_files_atomically,
)

logger = logging.getLogger(__name__)


class WriteFailed(Exception):
    """Writing a run's changes failed. The run put back what it had moved, except ``not_restored``."""

    def __init__(self, error: OSError, not_restored: list[str]) -> None:
        if not_restored:
            listed = "\n".join(f"  {line}" for line in not_restored)
            outcome = f"these changes could not be undone:\n{listed}"
        else:
            outcome = "no file was changed"
        super().__init__(f"failed to write the generated files: {error}; {outcome}")
        self.error = error
        self.not_restored = not_restored


@dataclass(frozen=True)
class ChangeSet:
    #: The complete new generated package, relative path -> text, or None to keep the package.
    package_files: dict[str, str] | None
    #: Files to create only where no file of that name exists: scaffolds and ``__init__.py``.
    created: dict[Path, str]
    #: Files to replace, path -> (the text the run read, the new text).
    replaced: dict[Path, tuple[str, str]]


def write_changes(package: Path, changes: ChangeSet) -> list[Path]:
    """Write every change, or none of them when any step before the package swap raises.

    Returns the files created; a file of ``created`` that appeared in the meantime is kept
    and not listed. Raises :class:`WriteFailed` when a file system call fails, and
    :class:`opsgen.codegen.writer.UnmarkedFilesError` before writing anything when the
    package folder contains a file without opsgen's marker.
    """
    # An implementation file that is a symbolic link is updated where it points, so the
    # user's link stays a link.
    changes = ChangeSet(
        changes.package_files,
        changes.created,
        {real_path(path): old_and_new for path, old_and_new in changes.replaced.items()},
    )
    texts = {**changes.created, **{path: new for path, (_, new) in changes.replaced.items()}}
    new_folders: list[Path] = []
    temporaries: dict[Path, Path] = {}
    created: list[Path] = []
    replaced: list[Path] = []
    old_package: Path | None = None
    swapped = False
    try:
        make_folders({path.parent for path in texts}, new_folders)
        staging = stage_package(package, changes.package_files) if changes.package_files is not None else None
        temporaries = stage_files(texts)

        for path in changes.created:
            if link_new_file(temporaries[path], path):
                created.append(path)
        for path in changes.replaced:
            os.replace(temporaries[path], path)
            replaced.append(path)
        if staging is not None:
            # Once the package is swapped every change is in place, so an interrupt that
            # arrives during the swap is held back until swapped is set, and undoes nothing.
            with interrupts_deferred():
                old_package = swap_in(package, staging)
                swapped = True
    except BaseException as exc:
        # Temporaries go first, so that undo can remove the folders this run created.
        remove_temporaries(temporaries)
        if swapped:
            raise
        failures = undo(package, changes, created, replaced, new_folders)
        if isinstance(exc, OSError):
            raise WriteFailed(exc, failures) from exc
        for failure in failures:
            logger.error("interrupted run: %s", failure)
        raise
    remove_temporaries(temporaries)
    if old_package is not None:
        remove_old_package(old_package)

    for folder in {path.parent for path in texts}:
        fsync_dir(folder)
    return created


def make_folders(folders: Iterable[Path], created_folders: list[Path]) -> None:
    """Create each missing folder with its missing parents, appending each one to ``created_folders``."""
    for folder in sorted(folders, key=lambda path: len(path.parts)):
        missing = []
        current = folder
        while not current.exists():
            missing.append(current)
            current = current.parent
        for path in reversed(missing):
            path.mkdir(exist_ok=True)
            created_folders.append(path)


def undo(package: Path, changes: ChangeSet, created: list[Path], replaced: list[Path], new_folders: list[Path]) -> list[str]:
    """Put back what a failed :func:`write_changes` moved, and return a line for each step that failed."""
    failures = []
    for path in created:
        try:
            os.unlink(path)
        except OSError as exc:
            failures.append(f"{path} was created and could not be removed: {exc}")
    for path in replaced:
        try:
            write_files_atomically({path: changes.replaced[path][0]}, overwrite=True)
        except OSError as exc:
            failures.append(f"{path} was updated and its old text could not be written back: {exc}")
    if changes.package_files is not None:
        try:
            recover(package)
        except OSError as exc:
            failures.append(f"{package} could not be restored from its staging or backup folder: {exc}")
    for folder in reversed(new_folders):
        try:
            folder.rmdir()
        except OSError:
            pass  # not empty: another process wrote into it meanwhile, so it stays
    return failures
