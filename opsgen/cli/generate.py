"""``opsgen generate [SPECS_DIR]``: write typed code from the specs, or check it is current."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from opsgen.runtime.plural import counted

if TYPE_CHECKING:
    from opsgen.codegen.generator import GenerateResult
    from opsgen.codegen.run_signature import OrphanedImplementation


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "generate",
        help="generate typed Python from the specs",
        description=(
            "Render the generated package in memory and write only what changed; create "
            "implementation scaffolds once and keep their run signatures in step with the specs. "
            "The generated package mirrors the one specs folder given: modules of specs that are "
            "not in it are removed, and each removal is printed. A spec.schema.json in the specs "
            "folder that carries opsgen's marker is refreshed to the installed opsgen's schema. "
            "Settings come from [tool.opsgen] in the nearest pyproject.toml. With SPECS_DIR in "
            "another project, that project's settings apply when the current one has no [tool.opsgen]; "
            "when both have one, it stops and names both files."
        ),
    )
    parser.add_argument(
        "specs", nargs="?", type=Path, metavar="SPECS_DIR", help="folder of YAML specs (default: [tool.opsgen] specs)"
    )
    parser.add_argument("--package", type=Path, help="folder of the generated package (default: [tool.opsgen] package)")
    parser.add_argument(
        "--implementations",
        type=Path,
        help="folder of the implementation classes (default: [tool.opsgen] implementations)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; print a unified diff and exit 1 when the generated code is stale",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="print only errors")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from opsgen.codegen.changeset import WriteFailed
    from opsgen.codegen.config import ConfigError, find_pyproject, load_config
    from opsgen.codegen.generator import generate
    from opsgen.codegen.errors import PathError, ViewError
    from opsgen.codegen.writer import UnmarkedFilesError
    from opsgen.runtime.config import read_settings_table
    from opsgen.runtime.errors import ConfigurationError
    from opsgen.spec.errors import SpecErrors, display_path

    try:
        start = settings_folder(Path.cwd().resolve(), args.specs, args.package, args.implementations)
        pyproject = find_pyproject(start)
        if pyproject is not None:
            # The generator reads only its own keys, so a misspelt key would pass unseen.
            read_settings_table(pyproject)
        if pyproject is not None and start != Path.cwd().resolve() and not args.quiet:
            print(f"opsgen generate: {display_path(args.specs)} is in the project of {display_path(pyproject)}, "
                  "so its settings apply", file=sys.stderr)
        config = load_config(start, args.specs, args.package, args.implementations)
        if not config.specs.is_dir():
            print(f"opsgen generate: specs folder {config.specs} not found; run `opsgen init` or pass SPECS_DIR", file=sys.stderr)
            return 2
        result = generate(config, check=args.check)
    except (ConfigError, ConfigurationError, SpecErrors, ViewError, PathError, UnmarkedFilesError, WriteFailed) as exc:
        print(f"opsgen generate: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        # write_changes has already put back what it had moved when the swap had not happened yet.
        print("opsgen generate: interrupted; run it again to bring the generated code up to date", file=sys.stderr)
        return 130

    for problem in result.problems:
        print(f"opsgen generate: {problem}", file=sys.stderr)
    if result.removed and not args.quiet:
        verb = "would remove" if args.check or result.problems else "removed"
        listed = "\n".join(f"  {display_path(config.package / relative)}" for relative in result.removed)
        removed = counted(len(result.removed), "generated file")
        whose = "whose spec is" if len(result.removed) == 1 else "whose specs are"
        print(
            f"opsgen generate: {verb} {removed} {whose} not in "
            f"{display_path(config.specs)}:\n{listed}",
            file=sys.stderr,
        )
    if result.hand_edited and not args.quiet:
        verb = "would replace" if args.check or result.problems else "replaced"
        listed = "\n".join(f"  {display_path(config.package / relative)}" for relative in result.hand_edited)
        print(
            f"opsgen generate: {verb} the hand edits of {counted(len(result.hand_edited), 'generated file')}:\n"
            f"{listed}\n  opsgen rewrites the generated package on every run; put code in "
            f"{display_path(config.implementations)}, or change the spec",
            file=sys.stderr,
        )
    implementations = display_path(config.implementations)
    for orphan in result.orphans:
        print(f"opsgen generate: {orphan_message(orphan, implementations, display_path(config.specs))}", file=sys.stderr)
    if args.check:
        if result.changed:
            sys.stdout.write(result.diff)
            if result.only_manifest_changed:
                print(
                    "opsgen generate --check: only _opsgen_manifest.json differs (the recorded hashes of "
                    "the specs, templates or settings)",
                    file=sys.stderr,
                )
            for line in stale_lines(result, display_path(config.package), implementations):
                print(f"opsgen generate --check: {line}", file=sys.stderr)
            other_build = other_build_line(config.package)
            if other_build is not None:
                print(f"opsgen generate --check: {other_build}", file=sys.stderr)
            return 1
        if result.orphans:
            print(
                f"opsgen generate --check: {counted(len(result.orphans), 'orphaned implementation')} (see above) "
                "must be moved or deleted by hand",
                file=sys.stderr,
            )
            return 1
        return 1 if result.problems else 0
    if result.problems:
        print(
            f"opsgen generate: wrote no files, so the generated package still matches your implementations; "
            f"fix the {counted(len(result.problems), 'implementation problem')} above, then run it again",
            file=sys.stderr,
        )
        return 1

    from opsgen.codegen.schema_copy import SCHEMA_FILE, SchemaCopy, outside_link_message, write_schema_copy

    schema_path = display_path(config.specs / SCHEMA_FILE)
    try:
        copy = write_schema_copy(config.specs, create=False, project=config.root)
    except OSError as exc:
        print(f"opsgen generate: failed to refresh {schema_path}: {exc.strerror or exc}", file=sys.stderr)
    else:
        if copy is SchemaCopy.updated and not args.quiet:
            print(f"opsgen generate: refreshed {schema_path} from the installed opsgen")
        elif copy is SchemaCopy.linked_outside:
            print(f"opsgen generate: {outside_link_message(config.specs / SCHEMA_FILE, schema_path)}", file=sys.stderr)
    if not args.quiet:
        if result.changed:
            print(
                f"opsgen generate: {package_summary(result)} in {display_path(config.package)}, "
                f"{counted(len(result.scaffolded), 'implementation')} created, "
                f"{counted(len(result.signatures_updated), 'signature')} updated"
            )
        else:
            print(f"opsgen generate: {display_path(config.package)} is up to date")
    return 0


def package_summary(result: GenerateResult) -> str:
    """Count the generated files a run created, updated and removed: ``1 generated file created, 2 updated``."""
    created = len(result.package_created)
    removed = len(result.removed)
    updated = len(result.package_changes) - created - removed
    counts = [(count, verb) for count, verb in ((created, "created"), (updated, "updated"), (removed, "removed")) if count]
    if not counts:
        return "no generated file changed"
    (first, verb), rest = counts[0], counts[1:]
    return ", ".join([f"{counted(first, 'generated file')} {verb}", *(f"{count} {verb}" for count, verb in rest)])


def stale_lines(result: GenerateResult, package: str, implementations: str) -> list[str]:
    """Say what ``--check`` found out of date, naming each implementation whose ``run`` would change."""
    lines = []
    if result.package_changes and not result.only_manifest_changed:
        lines.append(
            f"the generated package {package} is stale ({counted(len(result.package_changes), 'file')} would change); "
            "run `opsgen generate`"
        )
    if result.scaffolded:
        lines.append(
            f"{counted(len(result.scaffolded), 'implementation scaffold')} would be created in {implementations}; "
            "run `opsgen generate`"
        )
    for relative in result.signatures_updated:
        lines.append(
            f"{implementations}/{relative}:{result.signature_lines.get(relative, 0)}: the signature of run in your "
            "implementation no longer matches its spec and would be rewritten as the diff above shows; run "
            "`opsgen generate`, or change it by hand"
        )
    if result.only_manifest_changed:
        lines.append("the generated package is stale; run `opsgen generate`")
    return lines


def other_build_line(package: Path) -> str | None:
    """Say that another opsgen wrote the package, when its manifest records a version,
    templates digest or code digest that differs from the running opsgen's, and how to
    run the same one.

    The pre-commit hook of the opsgen repository installs the opsgen of its ``rev``, which
    can differ from the project's. The differences it finds then remain after every
    ``opsgen generate`` that the project's opsgen runs.
    """
    from opsgen.codegen.manifest import GeneratorBuild, recorded_build

    recorded = recorded_build(package)
    running = GeneratorBuild.running()
    if recorded is None or not recorded.differs_from(running):
        return None
    show_templates = recorded.version == running.version
    show_code = show_templates and recorded.templates == running.templates

    def describe(build: GeneratorBuild) -> str:
        text = f"opsgen {build.version or '(version not recorded)'}"
        if show_code and build.code is not None:
            text += f" (generator code {build.code[:12]})"
        elif show_templates and build.templates is not None:
            text += f" (templates {build.templates[:12]})"
        return text

    return (
        f"the generated package was written by {describe(recorded)}, but this check runs {describe(running)}, "
        "so the differences can come from the two opsgen builds alone, and `opsgen generate` with the "
        "project's opsgen would then change nothing. When this check runs as the pre-commit hook of the "
        "opsgen repository, pin the hook's rev (or its additional_dependencies) to the opsgen the project "
        "installs, or use the local hook with `language: system`"
    )


def orphan_message(orphan: OrphanedImplementation, implementations: str, specs: str) -> str:
    """Name an orphaned implementation, say why it is dead code, and what to do with it."""
    path = f"{implementations}/{orphan.path}"
    problem = (
        f"{path}:{orphan.line}: orphaned implementation: no spec in {specs} defines {orphan.operation} any more, "
        f"so {orphan.class_name} is dead code and its import of the generated module of {orphan.operation} fails."
    )
    if orphan.successor is not None:
        advice = (
            f"The spec was probably renamed to {orphan.successor}: move your code into "
            f"{implementations}/{orphan.successor_path}, then delete {path}."
        )
    else:
        advice = f"Move your code into the implementation of the operation that replaced it, or delete {path}."
    return f"{problem} {advice} opsgen never deletes an implementation file."


def settings_folder(cwd: Path, specs: Path | None, package: Path | None, implementations: Path | None) -> Path:
    """Return the folder whose nearest ``pyproject.toml`` gives the settings for generating ``specs``.

    A project is the folder of the nearest ``pyproject.toml``, as the generator reads it.
    A ``specs`` folder in another project takes that project's settings when the current
    folder's ``pyproject.toml`` has no ``[tool.opsgen]``. Raises
    :class:`ConfigurationError` naming both files when both have ``[tool.opsgen]`` and the
    current one's ``specs`` names another folder. It raises too when neither folder is in
    a project and ``specs`` is not directly in ``cwd``, unless ``package`` and
    ``implementations`` give the output folders.
    """
    from opsgen.codegen.config import find_pyproject
    from opsgen.runtime import config as settings
    from opsgen.runtime.errors import ConfigurationError

    if specs is None:
        return cwd
    specs = specs.resolve()
    ours = find_pyproject(cwd)
    theirs = find_pyproject(specs)
    if theirs == ours:
        if ours is None and specs.parent != cwd and (package is None or implementations is None):
            raise ConfigurationError(
                f"neither {cwd} nor {specs} is in a project with a pyproject.toml, so the generated package "
                f"and the implementations would be written into {cwd}; run the command in the folder that "
                "should hold them, run `opsgen init` there, or pass --package and --implementations"
            )
        return cwd

    ours_configured = ours is not None and settings.find_pyproject(ours.parent) == ours
    theirs_configured = theirs is not None and settings.find_pyproject(theirs.parent) == theirs
    if theirs is None or (ours_configured and not theirs_configured):
        return cwd
    if not ours_configured:
        return theirs.parent

    assert ours is not None
    ours_specs = (ours.parent / str(settings.read_settings_table(ours).get("specs", "specs"))).resolve()
    if ours_specs == specs:
        return cwd
    raise ConfigurationError(
        f"the specs folder {specs} belongs to the project of {theirs}, but the current folder's settings are "
        f"in {ours}, and both have [tool.opsgen]; run the command in {theirs.parent} to generate into that "
        f"project, or set specs in [tool.opsgen] of {ours} to that folder to generate into this one"
    )
