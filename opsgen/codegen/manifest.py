"""The manifest of a generated package, and the no-op check that reads it.

``_opsgen_manifest.json`` is the one generated file that names the opsgen version. It
records the digest of every other generated file, the digest of everything the output
depends on, and the ``run`` definition generated for each implementation. With those,
a run whose inputs did not change can stop after reading files, without importing the
spec loader, Jinja2 or LibCST.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
from pathlib import Path

from opsgen._resources import data_dir
from opsgen.codegen.config import GeneratorConfig

#: Second line of every generated Python file; a file without it is never changed or removed.
MARKER = "opsgen: generated file"
MANIFEST = "_opsgen_manifest.json"


def templates_digest(templates: Path) -> str:
    """Return a digest of every template, so a template change invalidates the no-op check."""
    digest = hashlib.sha256()
    for path in sorted(templates.glob("*.jinja")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def opsgen_version() -> str:
    try:
        return importlib.metadata.version("opsgen")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def manifest_text(files: dict[str, str]) -> str:
    """Return the manifest: opsgen's version and the digest of every other generated file."""
    digests = {path: hashlib.sha256(text.encode()).hexdigest() for path, text in sorted(files.items())}
    document = {"generator": "opsgen", "version": opsgen_version(), "files": digests}
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def inputs_digest(config: GeneratorConfig, spec_files: tuple[tuple[str, bytes], ...]) -> str:
    """Return a digest of everything the output depends on: specs, templates, settings, version."""
    digest = hashlib.sha256()
    settings = (config.package_module, config.implementations_module, display_path(config.implementations, config.root))
    for part in (opsgen_version(), templates_digest(data_dir("templates")), *settings):
        digest.update(part.encode() + b"\0")
    for relative, data in spec_files:
        digest.update(relative.encode() + b"\0" + hashlib.sha256(data).digest())
    return digest.hexdigest()


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
            data = (config.package / relative).read_bytes()
        except OSError:
            return False
        if hashlib.sha256(data).hexdigest() != expected:
            return False
    signatures = manifest.get("signatures")
    if not isinstance(signatures, dict):
        return False
    for relative, definition in signatures.items():
        try:
            text = (config.implementations / relative).read_text(encoding="utf-8")
        except OSError:
            return False
        if definition not in text:
            return False
    return True


def with_inputs(manifest: str, digest: str, signatures: dict[str, str]) -> str:
    """Add what the no-op check compares: the inputs digest and each expected ``run`` definition."""
    document = json.loads(manifest)
    document["inputs"] = digest
    document["signatures"] = dict(sorted(signatures.items()))
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def display_path(path: Path, root: Path) -> str:
    """Return ``path`` relative to ``root`` with ``/`` separators, or as given when outside it."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)
