"""The generator's settings: the ``[tool.opsgen]`` table of ``pyproject.toml``.

Keys (paths are relative to the folder that holds ``pyproject.toml``):

``specs``
    Folder of the YAML specs. Default ``specs``.
``package``
    Folder of the generated package; opsgen owns it completely. Default ``generated``.
``implementations``
    Folder of the user's implementation classes. Default: ``operations`` beside the
    generated package.
``package-module``, ``implementations-module``
    Import names of those two folders, when they differ from the folder path with ``/``
    read as ``.`` (a leading ``src/`` is dropped).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib


class ConfigError(ValueError):
    """An invalid ``[tool.opsgen]`` setting."""


@dataclass(frozen=True)
class GeneratorConfig:
    root: Path
    specs: Path
    package: Path
    implementations: Path
    package_module: str
    implementations_module: str
    #: The entity names ``[tool.opsgen.audit.entities]`` declares, which a spec's
    #: ``audit.changes`` must use; ``None`` when the project declares none.
    audit_entities: frozenset[str] | None = None


def find_pyproject(start: Path) -> Path | None:
    """Return the nearest ``pyproject.toml`` in ``start`` or a parent folder, or None."""
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def parse_toml(text: str, where: Path | str) -> dict[str, Any]:
    """Parse TOML text; raise :class:`ConfigError` naming ``where`` when it is invalid."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: invalid TOML: {exc}") from None


def read_table(pyproject: Path) -> dict[str, Any]:
    document = parse_toml(pyproject.read_text(encoding="utf-8"), pyproject)
    table = document.get("tool", {}).get("opsgen", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{pyproject}: [tool.opsgen] must be a table")
    return table


def module_name(folder: Path, root: Path) -> str:
    """Return the import name of ``folder``: its path below ``root`` with ``/`` read as ``.``.

    The path is taken as written first, because Python imports through symbolic links
    too: a package under a linked folder keeps the import name of the link's path.
    """
    parts = [folder.name]
    for absolute in (Path(os.path.abspath(folder)), folder.resolve()):
        try:
            parts = list(absolute.relative_to(root.resolve()).parts)
        except ValueError:
            continue
        break
    if parts and parts[0] == "src":
        parts = parts[1:]
    name = ".".join(parts)
    if not name or not all(part.isidentifier() for part in parts):
        raise ConfigError(
            f"{folder} is not importable as a Python package name; set its import name "
            "with package-module or implementations-module in [tool.opsgen]"
        )
    return name


def load_config(
    start: Path,
    specs: Path | None = None,
    package: Path | None = None,
    implementations: Path | None = None,
) -> GeneratorConfig:
    """Read ``[tool.opsgen]`` from the nearest ``pyproject.toml``; arguments override it.

    Without a ``pyproject.toml`` the defaults apply, relative to ``start``.
    """
    pyproject = find_pyproject(start.resolve())
    root = pyproject.parent if pyproject is not None else start.resolve()
    table = read_table(pyproject) if pyproject is not None else {}

    def setting(key: str, default: str) -> str:
        value = table.get(key, default)
        if not isinstance(value, str) or not value:
            raise ConfigError(f"{pyproject}: [tool.opsgen] {key} must be a non-empty string, not {value!r}")
        return value

    specs_dir = specs if specs is not None else root / setting("specs", "specs")
    package_dir = package if package is not None else root / setting("package", "generated")
    default_impl = package_dir.parent / "operations"
    if implementations is not None:
        implementations_dir = implementations
    elif "implementations" in table:
        implementations_dir = root / setting("implementations", "")
    else:
        implementations_dir = default_impl

    package_module = table.get("package-module") or module_name(package_dir, root)
    implementations_module = table.get("implementations-module") or module_name(implementations_dir, root)
    return GeneratorConfig(
        root=root,
        specs=specs_dir,
        package=package_dir,
        implementations=implementations_dir,
        package_module=str(package_module),
        implementations_module=str(implementations_module),
        audit_entities=_audit_entities(table),
    )


def _audit_entities(table: dict[str, Any]) -> frozenset[str] | None:
    """Return the audited entity names of ``[tool.opsgen]``, or ``None`` when it declares none."""
    audit = table.get("audit")
    entities = audit.get("entities") if isinstance(audit, dict) else None
    if not isinstance(entities, dict) or not entities:
        return None
    return frozenset(str(name) for name in entities)
