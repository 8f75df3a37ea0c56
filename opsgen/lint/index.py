"""The project index: a summary of every Python file of the project, cached on disk.

Building the index parses each file once (:func:`opsgen.lint.summary.summarize`). The
summaries are stored in ``.opsgen-cache/lint-index.json`` under the project root, keyed
by the file's SHA-1 and the opsgen version, so a second run parses only the files whose
content changed. Syntax trees are kept in memory for the files parsed in this process,
and a rule that needs the tree of a cached file gets it parsed on demand.
"""

from __future__ import annotations

import ast
import gc
import hashlib
import json
import logging
import os
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from opsgen.lint.config import DEFAULT_EXCLUDE, LintConfig
from opsgen.lint.summary import SUMMARY_FORMAT, ClassSummary, FunctionSummary, ModuleSummary, summarize

if TYPE_CHECKING:
    from opsgen.lint.analysis import Analysis

logger = logging.getLogger(__name__)

CACHE_DIR = ".opsgen-cache"
CACHE_FILE = "lint-index.json"


def opsgen_version() -> str:
    try:
        from importlib.metadata import version

        return version("opsgen")
    except Exception:  # noqa: BLE001 - metadata missing in a bare checkout
        return "unknown"


def cache_key() -> str:
    return f"{opsgen_version()}/{SUMMARY_FORMAT}"


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


def iter_python_files(paths: Iterable[Path], config: LintConfig) -> Iterator[Path]:
    """Yield the ``.py`` files under ``paths``, skipping virtualenvs, caches and ``exclude``."""
    excluded_names = set(DEFAULT_EXCLUDE)
    excluded_paths = {(config.root / item).resolve() for item in config.exclude}
    seen: set[Path] = set()
    for path in paths:
        path = path.resolve()
        if path.is_file():
            if path.suffix == ".py" and path not in seen:
                seen.add(path)
                yield path
            continue
        for folder, subfolders, files in os.walk(path):
            folder_path = Path(folder)
            subfolders[:] = sorted(
                name
                for name in subfolders
                if name not in excluded_names
                and not name.endswith(".egg-info")
                and (folder_path / name) not in excluded_paths
            )
            for name in sorted(files):
                file_path = folder_path / name
                if name.endswith(".py") and file_path not in seen and file_path not in excluded_paths:
                    seen.add(file_path)
                    yield file_path


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
    cache_path: Path | None = None
    cache_dirty: bool = False
    _analysis: Analysis | None = None

    @classmethod
    def build(cls, config: LintConfig, paths: Iterable[Path] | None = None, use_cache: bool = True) -> ProjectIndex:
        """Summarize every Python file under ``paths`` (the project root by default).

        The cyclic garbage collector is paused meanwhile. The syntax trees and summaries
        are millions of objects with no cycles worth collecting, and each full collection
        would walk all of them: on Django's 885 files that was more than half the build.
        """
        collecting = gc.isenabled()
        gc.disable()
        try:
            return cls._build(config, paths, use_cache)
        finally:
            if collecting:
                gc.enable()

    @classmethod
    def _build(cls, config: LintConfig, paths: Iterable[Path] | None, use_cache: bool) -> ProjectIndex:
        index = cls(config)
        cache_path = config.root / CACHE_DIR / CACHE_FILE
        cached = _read_cache(cache_path) if use_cache else {}
        fresh: dict[str, dict[str, Any]] = {}
        now = time.time_ns()

        for path in iter_python_files(paths if paths is not None else [config.root], config):
            key = str(path)
            module, is_package = module_name_for(path)
            entry = cached.get(key)
            try:
                status = path.stat()
                stamp = [status.st_mtime_ns, status.st_size]
                # An unchanged stamp skips reading the file, and the content hash decides
                # otherwise. A file changed in the last seconds is read anyway, because a
                # coarse file-system clock can give two versions the same stamp.
                settled = now - status.st_mtime_ns > 2_000_000_000
                trusted = settled and entry is not None and entry.get("stamp") == stamp
                source = None if trusted else path.read_bytes()
            except OSError as exc:
                logger.warning("cannot read %s: %s", path, exc)
                continue
            digest = entry.get("hash") if source is None and entry else hashlib.sha1(source or b"").hexdigest()
            summary = None
            if entry is not None and entry.get("hash") == digest:
                data = entry["summary"]
                if isinstance(data, dict) and data.get("module") == module:
                    summary = ModuleSummary.from_json(data)
                    fresh[key] = {**entry, "stamp": stamp}
            if summary is None:
                if source is None:
                    source = path.read_bytes()
                    digest = hashlib.sha1(source).hexdigest()
                summary, tree = summarize(key, module, source, is_package)
                index.parsed += 1
                if tree is not None:
                    index.trees[key] = tree
                fresh[key] = {"hash": digest, "stamp": stamp, "summary": summary.to_json()}
            index.add(summary)

        index.cache_entries = fresh
        if use_cache:
            index.cache_path = cache_path
            if index.parsed or set(fresh) != set(cached):
                index.save_cache()
        logger.debug("index of %s: %d files, %d parsed", config.root, len(index.modules), index.parsed)
        return index

    def cached_findings(self, path: str, fingerprint: str) -> list[dict[str, Any]] | None:
        """Return the findings stored for ``path`` under a rule set's ``fingerprint``, if any."""
        entry = self.cache_entries.get(path)
        stored = entry.get("findings") if entry else None
        if isinstance(stored, dict) and isinstance(stored.get(fingerprint), list):
            return stored[fingerprint]  # type: ignore[no-any-return]
        return None

    def store_findings(self, path: str, fingerprint: str, findings: list[dict[str, Any]]) -> None:
        """Keep findings of file-local rules with the file's summary (one rule-set fingerprint a file)."""
        entry = self.cache_entries.get(path)
        if entry is not None and self.cache_path is not None:
            entry["findings"] = {fingerprint: findings}
            self.cache_dirty = True

    def save_cache(self) -> None:
        """Write the summaries (and stored findings) to the on-disk cache."""
        if self.cache_path is not None:
            _write_cache(self.cache_path, self.cache_entries)
            self.cache_dirty = False

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

    def add(self, summary: ModuleSummary) -> None:
        """Add a module's summary, replacing an earlier one of the same path."""
        previous = self.modules.get(summary.path)
        if previous is not None:
            for table, names in ((self.functions, previous.functions), (self.classes, previous.classes)):
                for name in names:
                    if table.get(name, (None,))[0] is previous:
                        del table[name]
            if self.by_module.get(previous.module) is previous:
                del self.by_module[previous.module]
        self.modules[summary.path] = summary
        self.by_module.setdefault(summary.module, summary)
        for qualname, function in summary.functions.items():
            self.functions.setdefault(qualname, (summary, function))
        for qualname, klass in summary.classes.items():
            self.classes.setdefault(qualname, (summary, klass))
        self._analysis = None

    def tree(self, path: str) -> ast.Module | None:
        """Return the syntax tree of ``path``, parsing it now when it came from the cache."""
        if path not in self.trees:
            summary = self.modules.get(path)
            if summary is None or summary.syntax_error:
                return None
            self.trees[path] = ast.parse(Path(path).read_bytes(), filename=path)
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


def _read_cache(path: Path) -> dict[str, dict[str, Any]]:
    try:
        with path.open("rb") as handle:
            data = json.load(handle)
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        logger.warning("ignoring unreadable lint cache %s: %s", path, exc)
        return {}
    if not isinstance(data, dict) or data.get("key") != cache_key():
        return {}
    files = data.get("files")
    return files if isinstance(files, dict) else {}


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
