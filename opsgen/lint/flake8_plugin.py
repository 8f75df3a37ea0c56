"""The flake8 plugin: the ``OPS`` codes inside a flake8 run.

flake8 calls the plugin once per file. The project index is built once per process, on
the first file, from the on-disk cache that ``opsgen lint`` shares; later files reuse
it. The OPS101/OPS102 findings that cache keeps are reused for every module that no
changed file reaches through calls, so after an ``opsgen lint`` run the plugin checks
those two rules only where a change reaches. The file flake8 hands over is summarized from the tree flake8 already parsed when it
differs from the indexed copy (an editor buffer, say), so findings match flake8's input.
flake8 applies ``# noqa`` itself, and its own ``per-file-ignores`` option in place of the
``per-file-ignores`` key of ``[tool.opsgen.lint]``, which only ``opsgen lint`` reads.
A file whose text is larger than ``max-file-size`` is not analysed: the plugin reports
OPS002 at its first line instead, as ``opsgen lint`` reports it not checked.
"""

from __future__ import annotations

import ast
import gc
import logging
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from opsgen.lint.config import ConfigError, find_project_root, is_project_root, load_config
from opsgen.lint.configured_names import check_configured_names
from opsgen.lint.engine import check_module, rules_fingerprint
from opsgen.lint.incremental import CallPlan, plan_calls
from opsgen.lint.index import ProjectIndex, SkippedFile, check_file_size, module_name_for
from opsgen.lint.loader import load_rules
from opsgen.lint.summary import summarize

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_indexes: dict[Path, ProjectIndex] = {}
_plans: dict[Path, CallPlan] = {}
_errors: dict[Path, ConfigError] = {}
#: The project root of each folder a checked file sits in. Like the index, it is kept for
#: the life of the process, so a ``pyproject.toml`` added meanwhile is not seen.
_roots: dict[Path, Path] = {}


def project_index(path: Path) -> ProjectIndex:
    """Return this process's index of the project that contains ``path``, building it once.

    Raises :class:`ConfigError` for invalid settings, and again for each later file of
    the same project without building the index again.
    """
    root = _project_root(path)
    with _lock:
        if root in _errors:
            raise _errors[root]
        index = _indexes.get(root)
        if index is None:
            if is_project_root(root):
                index = ProjectIndex.build(load_config(root))
            else:
                # Outside any project, only the file's own folder is read, and not cached.
                index = ProjectIndex.build(load_config(root), sorted(root.glob("*.py")), use_cache=False)
            try:
                check_configured_names(index)
            except ConfigError as exc:
                _errors[root] = exc
                raise
            following = [rule for rule in load_rules() if rule.follows_calls and index.config.wants(rule.code)]
            if index.cache_path is not None and following:
                # The findings ``opsgen lint`` kept for modules no change reaches are reused,
                # and the callers map comes from the kept call edges.
                _plans[root] = plan_calls(index, rules_fingerprint(tuple(following), index.config))
            else:
                index.analysis.callers()
            _indexes[root] = index
            # The index lives as long as the flake8 process. Moving it out of the collector's
            # sight keeps collections during the rest of the run cheap.
            gc.freeze()
        return index


def _project_root(path: Path) -> Path:
    """Return the project root of the file ``path``, searched once per folder. The search
    looks for a ``pyproject.toml`` in each folder from the file's upwards, which took about
    a tenth of the plugin's time on Django's source when it ran for every file."""
    folder = path.parent
    root = _roots.get(folder)
    if root is None:
        root = _roots[folder] = find_project_root(folder)
    return root


class OpsgenFlake8Plugin:
    name = "opsgen"
    version = "0.1.0"

    def __init__(self, tree: ast.AST, filename: str, lines: list[str]) -> None:
        self.tree = tree
        self.filename = filename
        self.lines = lines

    def run(self) -> Iterator[tuple[int, int, str, type[Any]]]:
        if self.filename in ("stdin", "-", ""):
            return
        path = Path(self.filename).resolve()
        try:
            index = project_index(path)
        except ConfigError as exc:
            # flake8 prints one line a finding, so the lines of the error are joined.
            message = str(exc).replace("\n", "; ")
            yield 1, 0, f"OPS001 invalid opsgen lint configuration: {message}", type(self)
            return
        source = "".join(self.lines)
        try:
            # The index skipped a file this large, because parsing it can take up to 400 bytes of memory a byte.
            check_file_size(len(source.encode("utf-8")), index.config.max_file_size, "exclude the file from flake8")
        except SkippedFile as exc:
            yield 1, 0, f"OPS002 file not checked by opsgen: {exc}", type(self)
            return
        summary = index.modules.get(str(path))
        plan = _plans.get(index.config.root)
        if summary is None or _changed(path, source):
            module, is_package = module_name_for(path)
            summary, tree = summarize(str(path), module, source, is_package)
            if tree is not None:
                index.trees[str(path)] = tree
            index.add(summary)
            # Findings kept for other modules may depend on this file's new content.
            _plans.pop(index.config.root, None)
            plan = None
        # flake8 already parsed this exact source: rules that read the tree reuse it for this
        # file only, so the process does not keep a tree of every file it checked.
        lent = isinstance(self.tree, ast.Module) and str(path) not in index.trees
        if lent:
            index.trees[str(path)] = self.tree  # type: ignore[assignment]
        try:
            rules = load_rules()
            if plan is not None and str(path) in plan.reuse:
                findings = [*check_module(index, summary, [r for r in rules if not r.follows_calls], self.lines, apply_noqa=False)]
                findings += plan.reuse[str(path)]
            else:
                findings = check_module(index, summary, rules, self.lines, apply_noqa=False)
        finally:
            if lent:
                index.trees.pop(str(path), None)
        for finding in findings:
            yield finding.line, finding.column, finding.message, type(self)


def _changed(path: Path, source: str) -> bool:
    try:
        on_disk = path.read_bytes()
    except OSError:
        return True
    # flake8 reads with universal newlines, so compare without the line-ending difference.
    return on_disk.decode("utf-8", "replace").replace("\r\n", "\n") != source.replace("\r\n", "\n")
