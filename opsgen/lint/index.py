"""The project index: a summary of every Python file of the project, cached on disk.

Building the index parses each file once (:func:`opsgen.lint.summary.summarize`). The
summaries are stored in ``.opsgen-cache/lint-index.json`` under the project root, keyed
by the file's SHA-1 and the opsgen version, so a second run parses only the files whose
content changed. Syntax trees are kept in memory for the files parsed in this process,
and a rule that needs the tree of a cached file gets it parsed on demand.
"""

from __future__ import annotations

import ast
import contextlib
import gc
import hashlib
import json
import logging
import os
import stat
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from opsgen import __version__
from opsgen.lint.config import DEFAULT_EXCLUDE, LintConfig
from opsgen.lint.summary import SUMMARY_FORMAT, ClassSummary, FunctionSummary, ModuleSummary, summarize

if TYPE_CHECKING:
    from opsgen.lint.analysis import Analysis

logger = logging.getLogger(__name__)

CACHE_DIR = ".opsgen-cache"
CACHE_FILE = "lint-index.json"
#: Entries changed since the cache file was last written whole, one JSON line each.
JOURNAL_FILE = "lint-index.journal"
#: Prefix of a ``ModuleContext.read_paths`` entry that stands for every call of a method
#: in the project, by the method's name: ``"calls:withdraw"``.
CALLS_NAMED = "calls:"
#: The journal is folded into the cache file once it holds this many lines, or a tenth of
#: the entries when that is more.
JOURNAL_LIMIT = 200
#: The journal is also folded once it is larger than this share of the cache file,
#: because every run decodes the whole journal. One entry can be large: that of pretix's
#: 179 kB ``base/settings.py`` takes 176 kB, appended again each time the file changes.
JOURNAL_SIZE_SHARE = 0.25


def cache_key() -> str:
    return f"{__version__}/{SUMMARY_FORMAT}"


def declaration_digest(summary: ModuleSummary) -> str:
    """Hash what other modules can see of ``summary``: names, signatures, classes, receivers,
    dispatch tables, the containers that registering decorators and subscribing calls fill,
    and the shape of decorators' wrappers.

    Function bodies (calls, transactions, lines) are left out: the links from other
    modules' calls depend on the declarations only, so a change that keeps this digest
    keeps every other module's links.
    """
    functions = [
        [f.qualname, f.class_name, f.params, f.decorators, f.decorator_keywords, f.receives, f.listens, f.nested, f.is_async, f.returns, f.open_session, f.keywords_param, f.depends, f.registers, f.stores, _wrapper_shape(f)]
        for f in summary.functions.values()
    ]
    # A function handed to a call may be stored in a container and called from another module.
    handed = [[c.target, c.handed] for f in summary.functions.values() for c in f.calls if c.handed]
    classes = [[c.qualname, c.bases, c.methods, c.decorators, c.list_attributes, c.attribute_classes, c.relations, c.name_attributes, c.decorator_using] for c in summary.classes.values()]
    connections = [[c.kind, c.source, c.handler, c.sender] for c in summary.connections]
    text = json.dumps([summary.module, summary.imports, summary.atomic_requests, functions, classes, connections, summary.tables, handed], sort_keys=True)
    return hashlib.sha1(text.encode()).hexdigest()[:20]


def _wrapper_shape(function: FunctionSummary) -> list[bool]:
    """Return what makes a function a decorator's wrapper, which the callers of the
    decorated functions link to: a nested function that calls a plain name it was given,
    and a function that returns only its parameters."""
    wraps = function.nested and any(call.target is None and "." not in call.text for call in function.calls)
    return [wraps, function.returns_param]


def module_name_for(path: Path) -> tuple[str, bool]:
    """Return the dotted module name of ``path`` and whether it is a package's ``__init__``.

    The name climbs through folders that hold an ``__init__.py``, so ``src/app/models.py``
    in package ``app`` is ``app.models`` whatever the project layout.
    """
    is_package = path.name == "__init__.py"
    package = _package_of(str(path.parent))
    if is_package:
        return package or path.stem, True
    return (f"{package}.{path.stem}" if package else path.stem), False


@lru_cache(maxsize=4096)
def _package_of(folder: str) -> str:
    """Return the dotted package name of ``folder``, or "" when it has no ``__init__.py``."""
    if not os.path.isfile(os.path.join(folder, "__init__.py")):
        return ""
    parent = os.path.dirname(folder)
    name = os.path.basename(folder)
    if parent == folder:
        return name
    above = _package_of(parent)
    return f"{above}.{name}" if above else name


def iter_python_files(paths: Iterable[Path], config: LintConfig, matched: set[str] | None = None) -> Iterator[Path]:
    """Yield the ``.py`` files under ``paths``, skipping virtualenvs, caches and ``exclude``.

    Every ``.py`` name is yielded, also a named pipe, a device or a dangling symbolic link,
    so that the caller can report it: :func:`read_source` rejects what is not a regular file.
    Folders named in ``DEFAULT_EXCLUDE`` or ending in ``.egg-info`` are skipped at any
    depth. ``exclude`` globs are matched against paths under the project root, and each
    glob that excluded something is added to ``matched``.
    """
    root = config.root.resolve()
    matched = matched if matched is not None else set()

    def excluded(path: Path) -> bool:
        if not config.exclude:
            return False
        try:
            relative = path.relative_to(root).as_posix()
        except ValueError:
            return False
        pattern = config.excluding_pattern(relative)
        if pattern is not None:
            matched.add(pattern)
        return pattern is not None

    seen: set[Path] = set()
    for path in paths:
        path = path.resolve()
        if not path.is_dir():
            if path.suffix == ".py" and path not in seen and not excluded(path):
                seen.add(path)
                yield path
            continue
        for folder, subfolders, files in os.walk(path):
            folder_path = Path(folder)
            subfolders[:] = sorted(
                name
                for name in subfolders
                if name not in DEFAULT_EXCLUDE and not name.endswith(".egg-info") and not excluded(folder_path / name)
            )
            for name in sorted(files):
                file_path = folder_path / name
                if name.endswith(".py") and file_path not in seen and not excluded(file_path):
                    seen.add(file_path)
                    yield file_path


class SkippedFile(Exception):
    """A Python file that the index leaves out unread; the message gives the reason."""


def read_source(path: Path, max_size: int) -> tuple[bytes, os.stat_result]:
    """Return the bytes of the regular file ``path`` and its status.

    Raise :class:`SkippedFile` for anything else (a named pipe, whose ``open()`` would
    wait for a writer, a device, a folder), for a file larger than ``max_size`` bytes
    (0: no limit) and for a file that cannot be read. The file is checked with ``stat()``
    before it is opened, and again once open, in case it was replaced in between.
    """
    try:
        status = path.stat()
        _check_readable(status, max_size)
        # O_NONBLOCK keeps open() from waiting should a named pipe replace the file now.
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise SkippedFile(f"cannot be read: {exc.strerror or exc}") from exc
    try:
        status = os.fstat(handle)
        _check_readable(status, max_size)
        with os.fdopen(handle, "rb", closefd=False) as stream:
            return stream.read(), status
    except OSError as exc:
        raise SkippedFile(f"cannot be read: {exc.strerror or exc}") from exc
    finally:
        os.close(handle)


def _check_readable(status: os.stat_result, max_size: int) -> None:
    if not stat.S_ISREG(status.st_mode):
        raise SkippedFile(f"not a regular file ({_file_kind(status.st_mode)})")
    check_file_size(status.st_size, max_size, "add the file to exclude")


def check_file_size(size: int, max_size: int, exclude_remedy: str) -> None:
    """Raise :class:`SkippedFile` when ``size`` bytes exceed ``max_size``, the ``max-file-size`` setting (0: no limit).

    ``exclude_remedy`` tells how to leave the file out in the tool that reads it.
    """
    if max_size and size > max_size:
        raise SkippedFile(
            f"{size} bytes, more than max-file-size ({max_size}); "
            f"{exclude_remedy}, or raise max-file-size in [tool.opsgen.lint]"
        )


def _file_kind(mode: int) -> str:
    kinds = ((stat.S_ISFIFO, "a named pipe"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"), (stat.S_ISDIR, "a folder"))
    return next((name for test, name in kinds if test(mode)), "of an unknown kind")


@dataclass
class ProjectIndex:
    """Summaries of the project's modules, with look-ups by qualified name."""

    config: LintConfig
    modules: dict[str, ModuleSummary] = field(default_factory=dict)  # by absolute path
    trees: dict[str, ast.Module] = field(default_factory=dict)
    functions: dict[str, tuple[ModuleSummary, FunctionSummary]] = field(default_factory=dict)
    classes: dict[str, tuple[ModuleSummary, ClassSummary]] = field(default_factory=dict)
    by_module: dict[str, ModuleSummary] = field(default_factory=dict)
    parsed: int = 0
    cache_entries: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: The entries the cache held before this run, for what changed since.
    previous_entries: dict[str, dict[str, Any]] = field(default_factory=dict)
    cache_path: Path | None = None
    dirty_paths: set[str] = field(default_factory=set)
    #: The Python files left out of the index, by absolute path, with the reason.
    skipped: dict[str, str] = field(default_factory=dict)
    #: The ``exclude`` globs that left out a file or folder while the index was built.
    exclude_matched: set[str] = field(default_factory=set)
    _analysis: Analysis | None = None
    _paths_calling: dict[str, list[str]] | None = None

    @classmethod
    def build(cls, config: LintConfig, paths: Iterable[Path] | None = None, use_cache: bool = True, save: bool = True) -> ProjectIndex:
        """Summarize every Python file under ``paths`` (the project root by default).

        The changed cache entries are written before it returns, unless ``save`` is False
        for a caller that calls :meth:`save_cache` itself once it has added to them.

        The cyclic garbage collector is paused meanwhile. The syntax trees and summaries
        are millions of objects with no cycles worth collecting, and each full collection
        would walk all of them: on Django's 885 files that was more than half the build.
        """
        collecting = gc.isenabled()
        gc.disable()
        try:
            return cls._build(config, paths, use_cache, save)
        finally:
            if collecting:
                gc.enable()

    @classmethod
    def _build(cls, config: LintConfig, paths: Iterable[Path] | None, use_cache: bool, save: bool) -> ProjectIndex:
        index = cls(config)
        cache_path = config.root / CACHE_DIR / CACHE_FILE
        cached = _read_cache(cache_path) if use_cache else {}
        fresh: dict[str, dict[str, Any]] = {}
        now = time.time_ns()

        for path in iter_python_files(paths if paths is not None else [config.root], config, index.exclude_matched):
            key = str(path)
            module, is_package = module_name_for(path)
            entry = cached.get(key)
            try:
                status = path.stat()
                _check_readable(status, config.max_file_size)
            except OSError as exc:
                index.skipped[key] = f"cannot be read: {exc.strerror or exc}"
                continue
            except SkippedFile as exc:
                index.skipped[key] = str(exc)
                continue
            stamp = [status.st_mtime_ns, status.st_size]
            # An unchanged stamp skips reading the file, and the content hash decides
            # otherwise. A file changed in the last seconds is read anyway, because a
            # coarse file-system clock can give two versions the same stamp.
            settled = now - status.st_mtime_ns > 2_000_000_000
            trusted = settled and entry is not None and entry.get("stamp") == stamp
            source = None
            if not trusted:
                try:
                    source, _ = read_source(path, config.max_file_size)
                except SkippedFile as exc:
                    index.skipped[key] = str(exc)
                    continue
            digest = entry.get("hash") if source is None and entry else hashlib.sha1(source or b"").hexdigest()
            summary = None
            if entry is not None and entry.get("hash") == digest:
                data = entry["summary"]
                if isinstance(data, dict) and data.get("module") == module:
                    summary = ModuleSummary.from_json(data)
                    fresh[key] = entry
                    if entry.get("stamp") != stamp:
                        fresh[key] = {**entry, "stamp": stamp}
                        index.dirty_paths.add(key)
            if summary is None:
                if source is None:
                    try:
                        source, _ = read_source(path, config.max_file_size)
                    except SkippedFile as exc:
                        index.skipped[key] = str(exc)
                        continue
                    digest = hashlib.sha1(source).hexdigest()
                summary, tree = _summarize(key, module, source, is_package)
                index.parsed += 1
                if tree is not None:
                    index.trees[key] = tree
                fresh[key] = {"hash": digest, "stamp": stamp}
                if use_cache:
                    # Only a cache that will be written needs the summary's rows and the
                    # digest of its declarations, so a run without a cache skips both.
                    fresh[key]["summary"] = summary.to_json()
                    fresh[key]["decl"] = declaration_digest(summary)
                index.dirty_paths.add(key)
            index.add(summary)

        index.cache_entries = fresh
        index.previous_entries = cached
        if use_cache:
            index.cache_path = cache_path
            index.dirty_paths |= set(cached) - set(fresh)
            if index.dirty_paths and save:
                index.save_cache()
        for path_text, reason in index.skipped.items():
            logger.debug("skipped %s: %s", path_text, reason)
        logger.debug("index of %s: %d files, %d parsed", config.root, len(index.modules), index.parsed)
        return index

    def cached_findings(self, path: str, fingerprint: str) -> list[dict[str, Any]] | None:
        """Return the findings stored for ``path`` under a rule set's ``fingerprint``, if any,
        unless a file the rules read besides ``path`` has changed since."""
        entry = self.cache_entries.get(path)
        stored = entry.get("findings") if entry else None
        if not (isinstance(stored, dict) and isinstance(stored.get(fingerprint), list)):
            return None
        depends = entry.get("depends") if entry else None
        for other, digest in (depends or {}).items():
            if self.dependency_digest(other) != digest:
                return None
        return stored[fingerprint]  # type: ignore[no-any-return]

    def store_findings(self, path: str, fingerprint: str, findings: list[dict[str, Any]], read_paths: Iterable[str] = ()) -> None:
        """Keep findings of file-local rules with the file's summary (one rule-set fingerprint a file),
        with the content hashes of the other files in ``read_paths`` that the rules read."""
        self.store(path, "findings", {fingerprint: findings})
        digests = {other: self.dependency_digest(other) for other in sorted(read_paths)}
        depends = {other: digest for other, digest in digests.items() if digest is not None}
        self.store(path, "depends", depends or None)

    def dependency_digest(self, key: str) -> str | None:
        """Return the digest that a kept finding's dependency ``key`` is compared by.

        ``key`` is a file path, or ``CALLS_NAMED`` and a method name for the set of files
        whose calls end in that name and their contents: a new or changed call of the
        method, anywhere in the project, changes that digest.
        """
        if not key.startswith(CALLS_NAMED):
            return self.cache_entries.get(key, {}).get("hash")
        rows = [[path, self.cache_entries.get(path, {}).get("hash")] for path in self.paths_calling(key[len(CALLS_NAMED) :])]
        return hashlib.sha1(json.dumps(rows).encode()).hexdigest()

    def paths_calling(self, name: str) -> list[str]:
        """Return the paths of the modules with a call whose callee text ends in ``name``, sorted."""
        if self._paths_calling is None:
            found: dict[str, set[str]] = {}
            for path, module in self.modules.items():
                for function in module.functions.values():
                    for call in function.calls:
                        found.setdefault(call.text.rpartition(".")[2], set()).add(path)
            self._paths_calling = {called: sorted(paths) for called, paths in found.items()}
        return self._paths_calling.get(name, [])

    def store(self, path: str, name: str, value: Any) -> None:
        """Keep ``value`` under ``name`` in the cache entry of ``path``; None removes it."""
        entry = self.cache_entries.get(path)
        if entry is None or self.cache_path is None:
            return
        if value is None:
            if name not in entry:
                return
            entry = {k: v for k, v in entry.items() if k != name}
        else:
            entry = {**entry, name: value}
        self.cache_entries[path] = entry
        self.dirty_paths.add(path)

    @property
    def cache_dirty(self) -> bool:
        return bool(self.dirty_paths)

    def save_cache(self) -> None:
        """Write the changed cache entries: appended to the journal, or the whole cache when
        the journal has grown long or large."""
        if self.cache_path is None:
            return
        changed = {path: self.cache_entries.get(path) for path in self.dirty_paths}
        self.dirty_paths = set()
        journal = self.cache_path.with_name(JOURNAL_FILE)
        limit = max(JOURNAL_LIMIT, len(self.cache_entries) // 10)
        # Nothing read at the start (no cache, an unreadable one, another opsgen version)
        # means the cache file has to be written whole.
        if not self.previous_entries or _line_count(journal) + len(changed) > limit or _journal_too_large(journal, self.cache_path):
            _write_cache(self.cache_path, self.cache_entries)
            with contextlib.suppress(OSError):
                journal.unlink()
            return
        _append_journal(journal, changed)

    @classmethod
    def from_sources(cls, config: LintConfig, sources: dict[str, str]) -> ProjectIndex:
        """Build an index from in-memory files (path relative to ``config.root`` -> source)."""
        index = cls(config)
        for relative, source in sources.items():
            path = config.root / relative
            module = relative[:-3].replace("/", ".")
            is_package = module.endswith(".__init__")
            if is_package:
                module = module[: -len(".__init__")]
            summary, tree = summarize(str(path), module, source, is_package)
            if tree is not None:
                index.trees[str(path)] = tree
            index.add(summary)
        return index

    def with_summaries(self, summaries: Iterable[ModuleSummary]) -> ProjectIndex:
        """Return a copy of the index, with no cache and no trees, in which ``summaries``
        replace the modules of the same paths."""
        copy = ProjectIndex(self.config, dict(self.modules), {}, dict(self.functions), dict(self.classes), dict(self.by_module))
        for summary in summaries:
            copy.add(summary)
        return copy

    def add(self, summary: ModuleSummary) -> None:
        """Add a module's summary, replacing an earlier one of the same path.

        When two files have the same dotted module name (``utils.py`` in two folders
        without ``__init__.py``), a qualified name that both define refers to the one
        that comes first in :func:`path_order`, whatever the order of the calls.
        """
        previous = self.modules.get(summary.path)
        freed: set[str] = set()
        if previous is not None:
            for table, names in ((self.functions, previous.functions), (self.classes, previous.classes)):
                for name in names:
                    if table.get(name, (None,))[0] is previous:
                        del table[name]
                        freed.add(name)
            if self.by_module.get(previous.module) is previous:
                del self.by_module[previous.module]
                freed.add(previous.module)
        self.modules[summary.path] = summary
        self._claim(summary)
        if freed:
            # Another module may also define the names that the replaced module gave up.
            for other in self.modules.values():
                if other is not summary and (other.module in freed or not freed.isdisjoint(other.functions) or not freed.isdisjoint(other.classes)):
                    self._claim(other)
        self._analysis = None
        self._paths_calling = None

    def _claim(self, summary: ModuleSummary) -> None:
        """Enter the names of ``summary`` in the look-up tables, unless a module first in path order already declares them."""
        # NOTE: every caller then resolves a duplicate dotted name to that first module, also
        # a caller beside the other file, so such a call can link to the wrong file.
        current = self.by_module.get(summary.module)
        if current is None or _first_in_order(summary, current):
            self.by_module[summary.module] = summary
        for qualname, function in summary.functions.items():
            held_function = self.functions.get(qualname)
            if held_function is None or _first_in_order(summary, held_function[0]):
                self.functions[qualname] = (summary, function)
        for qualname, klass in summary.classes.items():
            held_class = self.classes.get(qualname)
            if held_class is None or _first_in_order(summary, held_class[0]):
                self.classes[qualname] = (summary, klass)

    def tree(self, path: str) -> ast.Module | None:
        """Return the syntax tree of ``path``, parsing it now when it came from the cache."""
        if path not in self.trees:
            summary = self.modules.get(path)
            if summary is None or summary.syntax_error or path in self.skipped:
                return None
            try:
                source, _ = read_source(Path(path), self.config.max_file_size)
                self.trees[path] = ast.parse(source, filename=path)
            except (SkippedFile, SyntaxError, ValueError, RecursionError) as exc:
                # The file changed since its summary was cached, and no longer reads or parses.
                logger.warning("cannot parse %s again: %s", path, exc)
                self.skipped[path] = str(exc)
                return None
        return self.trees[path]

    @property
    def analysis(self) -> Analysis:
        """The interprocedural facts, computed on first use and kept for this index."""
        if self._analysis is None:
            from opsgen.lint.analysis import Analysis

            self._analysis = Analysis(self)
        return self._analysis

    def relative(self, path: str) -> str:
        try:
            return Path(path).relative_to(self.config.root).as_posix()
        except ValueError:
            return Path(path).as_posix()


def path_order(path: str) -> tuple[tuple[int, str], ...]:
    """Return the sort key of ``path`` in the order :func:`iter_python_files` yields files:
    by folder names, and a folder's own files before those of its subfolders."""
    parts = Path(path).parts
    return (*((1, part) for part in parts[:-1]), (0, parts[-1]))


def _first_in_order(summary: ModuleSummary, other: ModuleSummary) -> bool:
    return summary is not other and path_order(summary.path) < path_order(other.path)


def _summarize(path: str, module: str, source: bytes, is_package: bool) -> tuple[ModuleSummary, ast.Module | None]:
    """Summarize a module as :func:`summarize` does, or, when its syntax tree is too deep
    for the parser or for the recursive walk, return a summary that marks it as not parsed."""
    try:
        return summarize(path, module, source, is_package)
    except RecursionError as exc:
        # NOTE: with Python's default recursion limit of 1000, a chain of about 500
        # binary operators (1 + 1 + ...) in a function's return is already too deep to
        # walk (measured on CPython 3.11), although such code parses.
        message = f"too deeply nested to analyse ({exc})"
        return ModuleSummary(path, module, {}, {}, {}, [], syntax_error=message), None


def _read_cache(path: Path) -> dict[str, dict[str, Any]]:
    """Return the cache entries by path: the cache file with the journal's lines applied."""
    if not os.path.lexists(path):
        return {}
    try:
        data = json.loads(read_source(path, 0)[0])
    except (SkippedFile, ValueError) as exc:
        logger.warning("ignoring unreadable lint cache %s: %s", path, exc)
        return {}
    if not isinstance(data, dict) or data.get("key") != cache_key():
        return {}
    files = data.get("files")
    if not isinstance(files, dict):
        return {}
    try:
        lines = read_source(path.with_name(JOURNAL_FILE), 0)[0].splitlines()
    except SkippedFile:
        return files
    key = cache_key()
    for line in lines:
        try:
            row = json.loads(line)
        except ValueError:
            continue  # a line cut short by a process that stopped while writing
        if not isinstance(row, list) or len(row) != 3 or row[0] != key:
            continue
        if row[2] is None:
            files.pop(row[1], None)
        elif isinstance(row[2], dict):
            files[row[1]] = row[2]
    return files


def _line_count(path: Path) -> int:
    try:
        return read_source(path, 0)[0].count(b"\n")
    except SkippedFile:
        return 0


def _journal_too_large(journal: Path, cache: Path) -> bool:
    try:
        return journal.stat().st_size > cache.stat().st_size * JOURNAL_SIZE_SHARE
    except OSError:
        return False


def _append_journal(path: Path, changed: dict[str, dict[str, Any] | None]) -> None:
    """Append one line per changed entry, in one write so that parallel runs do not interleave."""
    key = cache_key()
    text = "".join(json.dumps([key, name, entry], separators=(",", ":")) + "\n" for name, entry in changed.items())
    try:
        # O_NONBLOCK keeps open() from waiting for a reader when the journal is a named pipe.
        handle = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NONBLOCK", 0), 0o644)
        try:
            if not stat.S_ISREG(os.fstat(handle).st_mode):
                logger.warning("cannot write lint cache journal %s: not a regular file", path)
                return
            os.write(handle, text.encode())
        finally:
            os.close(handle)
    except OSError as exc:
        logger.warning("cannot write lint cache journal %s: %s", path, exc)


def _write_cache(path: Path, files: dict[str, dict[str, Any]]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        ignore = path.parent / ".gitignore"
        if not ignore.exists():
            ignore.write_text("*\n")
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        # json.dumps uses the C encoder; json.dump to a file would encode in Python, 30x slower.
        temporary.write_text(json.dumps({"key": cache_key(), "files": files}, separators=(",", ":")))
        os.replace(temporary, path)
    except OSError as exc:
        logger.warning("cannot write lint cache %s: %s", path, exc)
