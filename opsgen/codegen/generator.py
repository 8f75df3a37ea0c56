"""``opsgen generate``: render everything in memory, then write only what changed.

One run:

1. reads the spec files and, when their digest, the templates and the settings match
   what the manifest recorded and the package on disk is intact, stops there (the no-op
   path reads files but renders and writes nothing);
2. otherwise loads and validates the specs, renders the package into memory and
   compares it with the package on disk;
3. plans the ``run`` signature update of each existing implementation with LibCST, and
   stops without writing anything when one of them is unsafe;
4. writes the changed package, the missing implementation scaffolds and the signature
   updates through :func:`opsgen.codegen.changeset.write_changes`, which writes all of
   them or, when a step fails, none.

With ``check=True`` nothing is written; the result carries a unified diff instead.
"""

from __future__ import annotations

import difflib
import logging
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from typing import TYPE_CHECKING

from opsgen.codegen.changeset import ChangeSet, write_changes
from opsgen.codegen.config import GeneratorConfig
from opsgen.codegen.manifest import (
    MANIFEST,
    display_path,
    edited_files,
    inputs_digest,
    is_up_to_date,
    specs_record,
    with_inputs,
)
from opsgen.codegen.source import read_spec_files
from opsgen.codegen.user_files import read_user_text
from opsgen.codegen.writer import UnmarkedFilesError, package_lock, read_package, recover
from opsgen.spec.errors import display_path as shown_path

if TYPE_CHECKING:
    from opsgen.codegen.render import RenderSettings
    from opsgen.codegen.run_signature import OrphanedImplementation
    from opsgen.codegen.view import OperationView

logger = logging.getLogger(__name__)

_IMPORT = re.compile(r"from (\S+) import (.+)")


@dataclass
class GenerateResult:
    #: Generated package files added, changed or removed, relative to the package.
    package_changes: list[str] = field(default_factory=list)
    #: The files of ``package_changes`` that the package did not have before.
    package_created: list[str] = field(default_factory=list)
    #: Implementation files created, relative to the implementations folder.
    scaffolded: list[str] = field(default_factory=list)
    #: Implementation files whose ``run`` signature was (or, in check mode, would be) updated.
    signatures_updated: list[str] = field(default_factory=list)
    #: Line of the ``def run`` of each file of ``signatures_updated``.
    signature_lines: dict[str, int] = field(default_factory=dict)
    #: Implementation classes whose operation no spec defines any more. opsgen never
    #: deletes them; ``--check`` fails while there is any.
    orphans: list[OrphanedImplementation] = field(default_factory=list)
    #: Signatures that could not be updated safely: what to change, by hand. When there is
    #: any, the run writes nothing, and the other lists name what it would have written.
    problems: list[str] = field(default_factory=list)
    #: Generated package files removed (or, in check mode, to be removed) because their
    #: spec is not in the specs folder of this run, relative to the package.
    removed: list[str] = field(default_factory=list)
    #: Generated package files changed by hand since opsgen wrote them, whose edits the
    #: run replaces (or, in check mode, would replace), relative to the package.
    hand_edited: list[str] = field(default_factory=list)
    #: Unified diff of every change except the manifest's, filled in check mode.
    diff: str = ""

    @property
    def only_manifest_changed(self) -> bool:
        """Tell whether the manifest is the only stale file, so the diff is empty."""
        return self.package_changes == [MANIFEST] and not (self.scaffolded or self.signatures_updated)

    @property
    def changed(self) -> bool:
        return bool(self.package_changes or self.scaffolded or self.signatures_updated)


def generate(config: GeneratorConfig, *, check: bool = False) -> GenerateResult:
    """Bring the generated package and the implementation scaffolds up to date with the specs.

    Writes nothing when a signature update is unsafe (see :attr:`GenerateResult.problems`).
    Raises :class:`opsgen.spec.errors.SpecErrors` or :class:`opsgen.codegen.errors.ViewError`
    for invalid specs, and :class:`opsgen.codegen.writer.UnmarkedFilesError` when the
    package folder contains a file opsgen did not generate; in each case nothing is written.
    Raises :class:`opsgen.codegen.errors.PathError`, before writing anything, when an
    implementation path holds something other than a UTF-8 regular file (or a link to
    one), or when a leftover of an earlier run cannot be cleaned up.
    Raises :class:`opsgen.codegen.changeset.WriteFailed` when writing fails; the files it
    had changed are then put back.
    """
    if check:
        return _generate(config, check=True)
    with package_lock(config.package):
        recover(config.package)
        return _generate(config, check=False)


def _generate(config: GeneratorConfig, *, check: bool) -> GenerateResult:
    from opsgen.codegen.run_signature import (
        FilesOnDisk,
        find_orphans,
        name_successors,
        noted_successors,
        recorded_implementations,
        signature_types,
        with_successor_note,
    )

    spec_files = read_spec_files(config.specs)
    digest = inputs_digest(config, spec_files)
    # An orphaned implementation takes the full path, so that every run reports it.
    if is_up_to_date(config, digest) and not find_orphans(
        config.implementations,
        config.implementations_module,
        config.package,
        config.package_module,
        FilesOnDisk(config.package),
        recorded_implementations(config.package),
    ):
        logger.debug("generated package %s is up to date", config.package)
        return GenerateResult()

    # Imported here so that the no-op path above never loads them.
    from opsgen.codegen.render import RenderSettings, render_project
    from opsgen.codegen.run_signature import expected_definition, is_current
    from opsgen.codegen.source import load_source
    from opsgen.codegen.view import build_project

    source = load_source(config.specs, config.audit_entities, spec_files)
    project = build_project(source, config.implementations_module)
    settings = RenderSettings(
        display_path(config.implementations, config.root), config.package_module, config.implementations_module
    )
    rendered = render_project(project, settings)

    result = GenerateResult()
    types = signature_types(project, settings.package_module)
    # Implementation path, relative to the implementations folder -> (text read, updated text).
    implementation_texts: dict[str, tuple[str, str]] = {}
    # The text of every implementation that exists, by path.
    implementation_sources: dict[str, str] = {}
    for relative, op in rendered.scaffold_operations.items():
        path = config.implementations / relative
        text = read_user_text(path)
        if text is None:
            continue
        implementation_sources[relative] = text
        if is_current(text, op, types):
            continue
        from opsgen.codegen.signature import update_signature

        first_party = frozenset(name.split(".")[0] for name in (settings.package_module, settings.implementations_module))
        # Messages show paths as the CLI does, relative to the current folder. Diffs stay relative to the project.
        update = update_signature(
            text, op, shown_path(path), needed_imports(op, settings), types, first_party, rendered.scaffolds[relative]
        )
        if update.problem is not None:
            result.problems.append(update.problem)
        elif update.text is not None:
            implementation_texts[relative] = (text, update.text)
            result.signature_lines[relative] = update.line

    files = rendered.package
    signatures = {path: expected_definition(op) for path, op in rendered.scaffold_operations.items()}
    files[MANIFEST] = with_inputs(files[MANIFEST], digest, signatures, specs_record(config, spec_files))

    state = read_package(config.package)
    if state.unmarked:
        raise UnmarkedFilesError(config.package, state.unmarked)
    result.package_changes = sorted(
        path for path in set(files) | set(state.generated) if files.get(path) != state.generated.get(path)
    )
    result.removed = sorted(path for path in state.generated if path not in files)
    result.hand_edited = [path for path in edited_files(state.generated) if path in result.package_changes]
    result.package_created = sorted(path for path in files if path not in state.generated)
    result.scaffolded = [p for p in rendered.scaffolds if not os.path.lexists(config.implementations / p)]
    result.signatures_updated = sorted(implementation_texts)
    orphans = find_orphans(
        config.implementations, config.implementations_module, config.package, config.package_module, files, rendered.scaffolds
    )
    created = {rendered.scaffold_operations[relative].name: relative for relative in result.scaffolded}
    operations = {relative: op.name for relative, op in rendered.scaffold_operations.items()}
    result.orphans = name_successors(orphans, created, noted_successors(implementation_sources, operations))
    for orphan in result.orphans:
        if orphan.successor_path in result.scaffolded:
            rendered.scaffolds[orphan.successor_path] = with_successor_note(
                rendered.scaffolds[orphan.successor_path], orphan, settings.implementations_folder
            )

    if check:
        result.diff = check_diff(config, state.generated, files, rendered.scaffolds, result, implementation_texts)
        return result

    if result.problems:
        logger.info("wrote nothing: %d run signatures need a manual change", len(result.problems))
        return result

    scaffolds = {config.implementations / p: rendered.scaffolds[p] for p in result.scaffolded}
    changes = ChangeSet(
        package_files=files if result.package_changes else None,
        created={**scaffolds, **missing_init_files(config, scaffolds)},
        replaced={config.implementations / p: texts for p, texts in implementation_texts.items()},
    )
    write_changes(config.package, changes)
    if result.package_changes:
        logger.info("wrote %d changed files into %s", len(result.package_changes), config.package)
    return result


def needed_imports(op: OperationView, settings: RenderSettings) -> list[tuple[str, str]]:
    """Return the ``(module, name)`` imports the ``run`` signature of ``op`` needs."""
    from opsgen.codegen.render import annotation_imports

    pairs = [(f"{settings.package_module}.{op.module_name}", f"{op.stem}Output")]
    for line in annotation_imports(op, op.input_model.fields):
        match = _IMPORT.fullmatch(line)
        assert match is not None
        pairs.append((match.group(1), match.group(2)))
    used = " ".join(f.annotation for f in op.input_model.fields)
    for name in op.shared_imports:
        if re.search(rf"\b{name}\b", used):
            pairs.append((f"{settings.package_module}.shared_types", name))
    return pairs


def missing_init_files(config: GeneratorConfig, new_files: Iterable[Path]) -> dict[Path, str]:
    """Return an empty ``__init__.py`` for each implementations folder that lacks one.

    The folders are the existing ones and those that ``new_files`` will create.
    """
    root = config.implementations
    folders: set[Path] = set()
    if root.is_dir():
        folders.add(root)
        for path in root.rglob("*"):
            if path.is_dir() and "__pycache__" not in path.relative_to(root).parts:
                folders.add(path)
    for path in new_files:
        folder = path.parent
        # A folder already listed has its parents up to ``root`` listed too.
        while folder not in folders and (folder == root or root in folder.parents):
            folders.add(folder)
            folder = folder.parent
    return {folder / "__init__.py": "" for folder in sorted(folders) if not (folder / "__init__.py").exists()}


def check_diff(
    config: GeneratorConfig,
    old: dict[str, str],
    new: dict[str, str],
    scaffolds: dict[str, str],
    result: GenerateResult,
    implementations: dict[str, tuple[str, str]],
) -> str:
    """Return the unified diff of every file the run would write, except the manifest.

    The manifest contains only hashes of the inputs, which give a reader nothing to act
    on. :attr:`GenerateResult.only_manifest_changed` tells when it alone is stale.
    """
    chunks: list[str] = []
    package = display_path(config.package, config.root)
    for relative in result.package_changes:
        if relative == MANIFEST:
            continue
        chunks.extend(unified(f"{package}/{relative}", old.get(relative), new.get(relative)))
    implementations_folder = display_path(config.implementations, config.root)
    for relative in result.scaffolded:
        chunks.extend(unified(f"{implementations_folder}/{relative}", None, scaffolds[relative]))
    for relative, (current, text) in sorted(implementations.items()):
        chunks.extend(unified(f"{implementations_folder}/{relative}", current, text))
    return "".join(chunks)


def unified(name: str, old: str | None, new: str | None) -> list[str]:
    lines = difflib.unified_diff(
        (old or "").splitlines(keepends=True),
        (new or "").splitlines(keepends=True),
        fromfile=f"a/{name}" if old is not None else "/dev/null",
        tofile=f"b/{name}" if new is not None else "/dev/null",
    )
    return [line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines]
