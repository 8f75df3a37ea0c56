"""The manifest of a generated package, and the no-op check that reads it.

``_opsgen_manifest.json`` is the one generated file that names the opsgen version and the
digests of its templates and its generator code, so ``--check`` can tell when another
opsgen wrote the package. It records the digest of every other generated file, the
digest of everything the output depends on, and the ``run`` definition generated for
each implementation. With those, a run whose inputs did not change can stop after
reading files, without importing the spec loader, Jinja2 or LibCST.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from opsgen import __version__
from opsgen._resources import data_dir
from opsgen.codegen.config import GeneratorConfig
from opsgen.codegen.errors import PathError
from opsgen.codegen.user_files import read_regular_file
from opsgen.runtime.stale_specs import MANIFEST as MANIFEST
from opsgen.runtime.stale_specs import spec_digest

#: Second line of every generated Python file; a file without it is never changed or removed.
MARKER = "opsgen: generated file"


def templates_digest(templates: Path) -> str:
    """Return a digest of every template, so a template change invalidates the no-op check."""
    digest = hashlib.sha256()
    for path in sorted(templates.glob("*.jinja")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


#: The packages of ``opsgen`` whose code decides which specs load and what is rendered from them.
GENERATOR_CODE = ("spec", "codegen")


@functools.cache
def code_digest() -> str:
    """Return a digest of the source of the spec loader and the generator.

    Two builds of opsgen with the same version can differ in these packages: one may
    accept a spec that the other rejects, or render it differently. The digest makes the
    no-op check reload the specs whenever the running build is not the one that wrote
    the package, so the loader's rules apply to every check.

    NOTE: rules that come from outside these packages are not covered: the Python
    version's keywords and builtins and the pydantic version's ``BaseModel`` attributes,
    which the name rules read. An installation without ``.py`` sources is covered only by
    the version.
    """
    package = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for folder in GENERATOR_CODE:
        for path in sorted((package / folder).rglob("*")):
            if path.suffix in (".py", ".json") and "__pycache__" not in path.parts:
                name = path.relative_to(package).as_posix()
                digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def manifest_text(files: dict[str, str]) -> str:
    """Return the manifest: opsgen's version, its templates and code digests and the digest
    of every other generated file."""
    digests = {path: hashlib.sha256(text.encode()).hexdigest() for path, text in sorted(files.items())}
    document = {
        "generator": "opsgen",
        "version": __version__,
        "templates": templates_digest(data_dir("templates")),
        # A key sorted before "files" would hide the manifest from the writer, which
        # recognises it by its first key.
        "generator_code": code_digest(),
        "files": digests,
    }
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


@dataclass(frozen=True)
class GeneratorBuild:
    """The opsgen that wrote a generated package: its version, templates digest and
    :func:`code_digest`.

    A field is ``None`` when the manifest does not record it; manifests written before
    the digests were recorded have only the version.
    """

    version: str | None
    templates: str | None
    code: str | None = None

    @classmethod
    def running(cls) -> GeneratorBuild:
        return cls(__version__, templates_digest(data_dir("templates")), code_digest())

    def differs_from(self, other: GeneratorBuild) -> bool:
        """Tell whether a field recorded in both differs."""
        pairs = ((self.version, other.version), (self.templates, other.templates), (self.code, other.code))
        return any(mine is not None and theirs is not None and mine != theirs for mine, theirs in pairs)


def recorded_build(package: Path) -> GeneratorBuild | None:
    """Return the opsgen build that the manifest of ``package`` records, or ``None`` when
    the manifest is missing or unreadable."""
    try:
        manifest = json.loads((package / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict):
        return None
    version, templates, code = (manifest.get(key) for key in ("version", "templates", "generator_code"))
    return GeneratorBuild(
        version if isinstance(version, str) else None,
        templates if isinstance(templates, str) else None,
        code if isinstance(code, str) else None,
    )


def inputs_digest(config: GeneratorConfig, spec_files: tuple[tuple[str, bytes], ...]) -> str:
    """Return a digest of everything the output depends on and the loader checks: specs,
    templates, settings, and the version and :func:`code_digest` of opsgen."""
    digest = hashlib.sha256()
    # The loader rejects an audit.changes entity that the settings do not declare.
    entities = "none" if config.audit_entities is None else json.dumps(sorted(config.audit_entities))
    settings = (
        config.package_module,
        config.implementations_module,
        display_path(config.implementations, config.root),
        specs_folder_from_package(config),
        f"audit entities {entities}",
    )
    for part in (__version__, templates_digest(data_dir("templates")), code_digest(), *settings):
        digest.update(part.encode() + b"\0")
    for relative, data in spec_files:
        digest.update(relative.encode() + b"\0" + hashlib.sha256(data).digest())
    return digest.hexdigest()


def edited_files(generated: dict[str, str]) -> list[str]:
    """Return the generated files whose text differs from what the manifest records opsgen wrote.

    ``generated`` maps each marked file of the package, the manifest included, to its
    text. A file the manifest does not list, or a package without a readable manifest,
    counts as not edited: nothing records what opsgen wrote there.
    """
    try:
        manifest = json.loads(generated.get(MANIFEST, ""))
    except ValueError:
        return []
    recorded = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(recorded, dict):
        return []
    return sorted(
        path
        for path, text in generated.items()
        if path in recorded and hashlib.sha256(text.encode()).hexdigest() != recorded[path]
    )


def is_up_to_date(config: GeneratorConfig, digest: str) -> bool:
    """Return whether the manifest records ``digest``, every file it lists is intact, and each
    implementation still contains the ``run`` definition generated for it."""
    manifest_path = config.package / MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(manifest, dict) or manifest.get("inputs") != digest:
        return False
    files = manifest.get("files")
    if not isinstance(files, dict):
        return False

    on_disk = 0
    for path in config.package.rglob("*"):
        if path.is_file() and "__pycache__" not in path.parts:
            on_disk += 1
    if on_disk != len(files) + 1:
        return False
    for relative, expected in files.items():
        try:
            data = read_regular_file(config.package / relative)
        except PathError:
            return False
        if hashlib.sha256(data).hexdigest() != expected:
            return False
    signatures = manifest.get("signatures")
    if not isinstance(signatures, dict):
        return False
    for relative, definition in signatures.items():
        # A FIFO or folder there must not block the check; the full run reports it.
        try:
            data = read_regular_file(config.implementations / relative)
        except PathError:
            return False
        if definition.encode("utf-8") not in data:
            return False
    return True


def with_inputs(manifest: str, digest: str, signatures: dict[str, str], specs: dict[str, object]) -> str:
    """Add what the no-op check compares (the inputs digest and each expected ``run``
    definition) and the :func:`specs_record` that the runtime compares."""
    document = json.loads(manifest)
    document["inputs"] = digest
    document["signatures"] = dict(sorted(signatures.items()))
    document["specs"] = specs
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def specs_record(config: GeneratorConfig, spec_files: tuple[tuple[str, bytes], ...]) -> dict[str, object]:
    """Return the manifest's ``specs`` record: the specs folder relative to the package, and
    the digest of each spec file by its path inside that folder.

    :func:`opsgen.runtime.stale_specs.warn_if_specs_changed` compares it with the files
    on disk when the application imports the package. ``spec_files`` are the pairs of
    :func:`opsgen.codegen.source.read_spec_files`, whose paths start with the folder's name.
    """
    files = {relative.partition("/")[2]: spec_digest(data) for relative, data in spec_files}
    return {"folder": specs_folder_from_package(config), "files": dict(sorted(files.items()))}


def specs_folder_from_package(config: GeneratorConfig) -> str:
    """Return the path of the specs folder relative to the generated package, with ``/`` separators.

    It is relative so the manifest stays the same in every checkout. Where no relative
    path exists (another drive on Windows), it is the absolute path.
    """
    specs = config.specs.resolve()
    try:
        return Path(os.path.relpath(specs, config.package.resolve())).as_posix()
    except ValueError:
        return specs.as_posix()


def display_path(path: Path, root: Path) -> str:
    """Return ``path`` relative to ``root`` with ``/`` separators, or as given when outside it."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)
