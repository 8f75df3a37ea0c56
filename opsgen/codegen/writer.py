"""Write the generated package so that it is always wholly old or wholly new.

The new package is built complete in a hidden sibling folder (``.<name>.opsgen-staging``),
flushed to disk, and then the staging folder and the package swap
places. On Linux the swap is one ``renameat2(RENAME_EXCHANGE)`` call, so there is no
moment without a package. Elsewhere it is two renames through ``.<name>.opsgen-old``,
and the next run puts the old package back if it was killed between them.

A file in the package folder without opsgen's marker belongs to the user, and so does a
symbolic link there. The writer never changes, moves or removes either: it stops and
names it instead.

A package folder that is a symbolic link, or lies under one, is written where the link
points. A rename moves a link itself, never the folder it points to, so the staging and
backup folders sit beside the real folder, and the swap exchanges the real folder. The
link stays as the user made it.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import functools
import logging
import os
import shutil
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from opsgen.codegen.errors import PathError
from opsgen.codegen.manifest import MANIFEST, MARKER
from opsgen.codegen.user_files import read_regular_file
from opsgen.spec.errors import display_path

logger = logging.getLogger(__name__)

#: Seconds to sleep after each staged file; lets tests kill a run in the middle of a write.
WRITE_DELAY_ENV = "OPSGEN_TEST_WRITE_DELAY"

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
_CACHE_DIRS = frozenset({"__pycache__"})


class UnmarkedFilesError(Exception):
    """The package folder contains files opsgen did not generate, or symbolic links."""

    def __init__(self, package: Path, files: list[str]) -> None:
        listed = "\n".join(f"  {display_path(package / name)}" for name in files)
        super().__init__(
            f"{display_path(package)} contains files without the opsgen marker or symbolic links, and opsgen never "
            f"changes or removes those:\n{listed}\nMove them out of the generated package (implementations "
            "belong in the `implementations` folder), or set `package` in [tool.opsgen] to a folder of its own."
        )
        self.files = files


class LinkAtStagingPathError(UnmarkedFilesError):
    """A symbolic link sits where opsgen keeps its staging or backup folder beside the package."""

    def __init__(self, package: Path, link: Path) -> None:
        package_shown = display_path(package)
        Exception.__init__(
            self,
            f"{display_path(link)} is a symbolic link (to {os.readlink(link)}), but opsgen keeps its staging and "
            f"backup folders of {package_shown} there, so it stops rather than remove the link. Earlier opsgen versions "
            f"moved a package that was a symbolic link to that place. If so, check that {package_shown} contains "
            f"only generated files, remove it, move the link back to {package_shown} and run again; otherwise "
            "move the link elsewhere.",
        )
        self.files = [link.name]


@dataclass(frozen=True)
class PackageState:
    #: Marked files on disk, relative path -> text.
    generated: dict[str, str]
    #: Files without the marker, relative paths, sorted.
    unmarked: list[str]


def real_path(path: Path) -> Path:
    """Return ``path`` as an absolute path with every symbolic link in it resolved."""
    return Path(os.path.realpath(path))


@contextlib.contextmanager
def interrupts_deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back until the block ends, so Ctrl-C cannot split a step in two.

    A signal that arrives meanwhile is delivered when the block ends. Where
    ``pthread_sigmask`` is missing (Windows) or outside the main thread, nothing is held back.
    """
    import signal
    import threading

    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not threading.main_thread():
        yield
        return
    blocked_signals = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, blocked_signals)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


@contextlib.contextmanager
def package_lock(package: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``package`` so two runs never stage or swap it at once.

    The lock is ``flock(2)`` on the parent of the package's real folder, so no lock file
    is left in the project, and runs that reach the folder through different links wait
    for each other too. Without ``fcntl`` (Windows) runs are not serialized.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    package = real_path(package)
    package.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(package.parent, os.O_RDONLY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)


def staging_dir(package: Path) -> Path:
    return package.parent / f".{package.name}.opsgen-staging"


def backup_dir(package: Path) -> Path:
    return package.parent / f".{package.name}.opsgen-old"


def is_generated(relative: str, data: bytes) -> bool:
    """Return whether a file carries opsgen's marker (the manifest carries it as a JSON key)."""
    if relative == MANIFEST:
        return data.startswith(b'{\n  "files"') and b'"generator": "opsgen"' in data
    lines = data.split(b"\n", 2)
    return len(lines) >= 2 and lines[0].startswith(b"# Generated by opsgen") and lines[1] == f"# {MARKER}".encode()


def recover(package: Path) -> None:
    """Finish or undo a swap that a killed run left behind, and drop its staging folder.

    Raises :class:`LinkAtStagingPathError`, and removes nothing, when the staging or backup
    path is a symbolic link, because opsgen creates only real folders there. Raises
    :class:`PathError`, again removing nothing, when either path is some other
    non-folder. Raises it too when removing or restoring a leftover folder fails, which
    may leave part of that folder removed.
    """
    package = real_path(package)
    backup = backup_dir(package)
    staging = staging_dir(package)
    for leftover in (backup, staging):
        if leftover.is_symlink():
            raise LinkAtStagingPathError(package, leftover)
        if os.path.lexists(leftover) and not leftover.is_dir():
            raise PathError(
                f"{leftover} is not a folder, but opsgen keeps its staging and backup folders of {package} "
                "there, so it stops rather than remove it; move it elsewhere"
            )

    try:
        if backup.exists():
            if package.exists():
                logger.info("removing %s, left by an interrupted run after its swap", backup)
                shutil.rmtree(backup)
            else:
                logger.warning("restoring %s from %s, left by an interrupted run", package, backup)
                os.rename(backup, package)
        if staging.exists():
            logger.info("removing %s, left by an interrupted run", staging)
            shutil.rmtree(staging)
    except OSError as exc:
        raise PathError(
            f"failed to clean up after an earlier run of opsgen: {exc}. The folders .{package.name}.opsgen-staging "
            f"and .{package.name}.opsgen-old beside {package} contain only generated files: make them "
            "writable or remove them by hand, then run again"
        ) from None


def check_removable(package: Path) -> None:
    """Raise :class:`PathError` when the old package could not be removed after the swap.

    Removing a file needs write access to its folder. Without this check, a read-only
    package folder is swapped out and then stays behind as a leftover of the run.
    """
    for root, dirs, _files in os.walk(package):
        dirs[:] = [name for name in dirs if not os.path.islink(os.path.join(root, name))]
        if not os.access(root, os.W_OK | os.X_OK):
            raise PathError(
                f"{root} is read-only, so opsgen could not remove the old generated package after replacing it; "
                f"make it writable (chmod -R u+w {package}) and run again"
            )


def read_package(package: Path) -> PackageState:
    """Read the package folder, splitting marked files from the user's; caches are skipped.

    A symbolic link inside the folder, to a file or a folder, counts as the user's file
    and is not followed, because the swap would otherwise remove the link.
    """
    generated: dict[str, str] = {}
    unmarked: list[str] = []
    package = real_path(package)
    if not package.exists():
        return PackageState(generated, unmarked)
    for root, dirs, files in os.walk(package):
        links = [name for name in dirs if os.path.islink(os.path.join(root, name))]
        dirs[:] = sorted(d for d in dirs if d not in _CACHE_DIRS and d not in links)
        for name in sorted([*files, *links]):
            path = Path(root, name)
            relative = path.relative_to(package).as_posix()
            if path.is_symlink():
                unmarked.append(relative)
                continue
            try:
                data = read_regular_file(path)
            except PathError:
                unmarked.append(relative)  # a FIFO or device is never generated
                continue
            if is_generated(relative, data):
                generated[relative] = data.decode("utf-8", errors="replace")
            else:
                unmarked.append(relative)
    return PackageState(generated, unmarked)


def write_package(package: Path, files: dict[str, str]) -> None:
    """Replace the package folder with exactly ``files``, atomically.

    Raises :class:`UnmarkedFilesError` before writing anything when the folder contains a
    file without the marker.
    """
    staging = stage_package(package, files)
    try:
        install_package(package, staging)
    except BaseException:
        recover(package)
        raise


def stage_package(package: Path, files: dict[str, str]) -> Path:
    """Build the package complete in its staging folder, flush it to disk and return that folder.

    Nothing outside the staging folder changes, and a failure removes the folder again.
    Raises :class:`UnmarkedFilesError` before writing anything when the package folder
    contains a file without the marker or a symbolic link.
    """
    package = real_path(package)
    recover(package)
    if os.path.lexists(package) and not package.is_dir():
        raise PathError(f"package path {package} is not a folder; move it or set package in [tool.opsgen]")
    state = read_package(package)
    if state.unmarked:
        raise UnmarkedFilesError(package, state.unmarked)
    check_removable(package)

    staging = staging_dir(package)
    delay = float(os.environ.get(WRITE_DELAY_ENV, "0") or 0)
    staging.mkdir(parents=True)
    try:
        folders = {staging}
        written = []
        for relative, text in files.items():
            path = staging / relative
            if path.parent not in folders:
                path.parent.mkdir(parents=True, exist_ok=True)
                folders.update(p for p in path.parents if staging in p.parents or p == staging)
            write_new_file(path, text.encode("utf-8"))
            written.append(path)
            if delay:
                time.sleep(delay)
        flush_to_disk(staging, written, folders)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return staging


def install_package(package: Path, staging: Path) -> None:
    """Put the package staged in ``staging`` in place of ``package``, then remove the old one.

    The swap is the moment the new package appears. When this raises before it,
    ``package`` is unchanged or, after the first of the two fallback renames, waiting in
    the backup folder that :func:`recover` puts back.
    """
    old = swap_in(package, staging)
    if old is not None:
        remove_old_package(old)


def swap_in(package: Path, staging: Path) -> Path | None:
    """Put the package staged in ``staging`` in place of ``package``.

    Returns the folder that now contains the old package, for :func:`remove_old_package`,
    or None when there was no package.
    """
    package = real_path(package)
    package.parent.mkdir(parents=True, exist_ok=True)
    old = swap(staging, package) if package.exists() else None
    if old is None:
        os.rename(staging, package)
    fsync_dir(package.parent)
    return old


def remove_old_package(folder: Path) -> None:
    """Remove the folder of the replaced package. A failure is only logged, because the swap is done."""
    try:
        shutil.rmtree(folder)
    except OSError as exc:
        logger.warning("failed to remove the replaced package %s (%s); the next run removes it", folder, exc)


def write_new_file(path: Path, data: bytes) -> None:
    """Create ``path`` (it must not exist) and write ``data``; :func:`flush_to_disk` syncs it."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)


def write_files_atomically(files: dict[Path, str], *, overwrite: bool) -> list[Path]:
    """Write each file through a temporary file in its folder, so readers see old or new.

    All temporary files are written and flushed to disk first, then moved into place.
    With ``overwrite=False`` a file is created only if it does not exist, even when
    another process creates it at the same moment. Returns the paths written.
    """
    for path in files:
        path.parent.mkdir(parents=True, exist_ok=True)
    temporaries: dict[Path, Path] = {}
    try:
        temporaries = stage_files(files)
        written = []
        for path, temporary in temporaries.items():
            if overwrite:
                os.replace(temporary, path)
                written.append(path)
            elif link_new_file(temporary, path):
                written.append(path)
        for folder in {path.parent for path in files}:
            fsync_dir(folder)
        return written
    finally:
        remove_temporaries(temporaries)


def stage_files(files: dict[Path, str]) -> dict[Path, Path]:
    """Write each file's text to a temporary file beside it, flush them, and return path -> temporary.

    The folders must exist. When this raises, the temporaries written so far are removed.
    """
    temporaries: dict[Path, Path] = {}
    try:
        for path, text in files.items():
            temporary = path.with_name(f".{path.name}.opsgen-{os.getpid()}.tmp")
            write_new_file(temporary, text.encode("utf-8"))
            temporaries[path] = temporary
        if files:
            flush_to_disk(next(iter(files)).parent, list(temporaries.values()), {path.parent for path in files})
    except BaseException:
        remove_temporaries(temporaries)
        raise
    return temporaries


def link_new_file(temporary: Path, path: Path) -> bool:
    """Create ``path`` as a hard link to ``temporary``, or return False when ``path`` already exists."""
    try:
        os.link(temporary, path)
    except FileExistsError:
        return False
    return True


def remove_temporaries(temporaries: dict[Path, Path]) -> None:
    for temporary in temporaries.values():
        if os.path.lexists(temporary):
            os.unlink(temporary)


def write_file_atomically(path: Path, text: str, *, overwrite: bool) -> bool:
    """Write one file as :func:`write_files_atomically` does; return whether it was written."""
    return bool(write_files_atomically({path: text}, overwrite=overwrite))


def flush_to_disk(anchor: Path, files: list[Path], folders: set[Path]) -> None:
    """Make ``files`` and ``folders`` durable before they are renamed into place.

    On Linux one ``syncfs(2)`` call on the file system of ``anchor`` replaces hundreds of
    ``fsync`` calls; elsewhere each file and folder is fsynced.
    """
    if syncfs(anchor):
        return
    for path in files:
        descriptor = os.open(path, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
    for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        fsync_dir(folder)


def syncfs(anchor: Path) -> bool:
    """Call ``syncfs(2)`` on the file system holding ``anchor``; return False where unsupported."""
    function = getattr(_libc(), "syncfs", None)
    if function is None:
        return False
    descriptor = os.open(anchor, os.O_RDONLY)
    try:
        return bool(function(descriptor) == 0)
    finally:
        os.close(descriptor)


@functools.lru_cache(maxsize=1)
def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


def fsync_dir(folder: Path) -> None:
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def swap(staging: Path, package: Path) -> Path:
    """Exchange the two folders: atomically where the OS allows, else through a backup.

    Returns the folder that now contains the old package, for the caller to remove.
    """
    if exchange(staging, package):
        return staging
    backup = backup_dir(package)
    os.rename(package, backup)
    os.rename(staging, package)
    return backup


def exchange(first: Path, second: Path) -> bool:
    """Swap two paths with ``renameat2(RENAME_EXCHANGE)``; return False where unsupported."""
    renameat2 = getattr(_libc(), "renameat2", None)
    if renameat2 is None:
        return False
    result = renameat2(
        _AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE
    )
    if result == 0:
        return True
    error = ctypes.get_errno()
    if error in {errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP}:
        return False
    raise OSError(error, os.strerror(error), str(first))
