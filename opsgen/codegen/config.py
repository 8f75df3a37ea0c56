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

import errno
import keyword
import os
import stat
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

from opsgen.runtime.config import toml_error


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
        raise ConfigError(toml_error(where, text, exc)) from None


def read_table(pyproject: Path) -> dict[str, Any]:
    document = parse_toml(read_pyproject(pyproject), pyproject)
    table = document.get("tool", {}).get("opsgen", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{pyproject}: [tool.opsgen] must be a table")
    return table


def read_pyproject(pyproject: Path) -> str:
    """Return the text of ``pyproject``, following a symbolic link.

    Raises :class:`ConfigError` naming the file when it is not a regular file, cannot
    be read, is not UTF-8 or starts with a byte order mark.
    """
    from opsgen.codegen.errors import PathError
    from opsgen.codegen.user_files import read_regular_file
    from opsgen.runtime.config import decode_toml
    from opsgen.runtime.errors import ConfigurationError

    try:
        return decode_toml(read_regular_file(pyproject), pyproject)
    except (PathError, ConfigurationError) as exc:
        raise ConfigError(str(exc)) from None


def module_name(folder: Path, root: Path) -> str:
    """Return the import name of ``folder``: its path below ``root`` with ``/`` read as ``.``.

    The path is taken as written first, because Python imports through symbolic links
    too: a package under a linked folder keeps the import name of the link's path.
    """
    parts = [folder.name]
    for absolute in (Path(os.path.abspath(folder)), Path(os.path.realpath(folder))):
        try:
            parts = list(absolute.relative_to(os.path.realpath(root)).parts)
        except ValueError:
            continue
        break
    if parts and parts[0] == "src":
        parts = parts[1:]
    name = ".".join(parts)
    if not is_module_name(name):
        raise ConfigError(
            f"{folder} is not importable as a Python package name; set its import name "
            "with package-module or implementations-module in [tool.opsgen]"
        )
    return name


def is_module_name(name: str) -> bool:
    """Tell whether ``name`` is a dotted Python module name: identifiers, none a keyword, joined by dots."""
    parts = name.split(".")
    return all(part.isidentifier() and not keyword.iskeyword(part) for part in parts)


def load_config(
    start: Path,
    specs: Path | None = None,
    package: Path | None = None,
    implementations: Path | None = None,
) -> GeneratorConfig:
    """Read ``[tool.opsgen]`` from the nearest ``pyproject.toml``; arguments override it.

    Without a ``pyproject.toml`` the defaults apply, relative to ``start``. Raises
    :class:`ConfigError` before anything is written when a key has the wrong type, a
    module name is not a dotted Python name, the package path is a file or a broken
    symbolic link, or the package overlaps the implementations or the specs folder.
    """
    pyproject = find_pyproject(start.resolve())
    root = pyproject.parent if pyproject is not None else start.resolve()
    table = read_table(pyproject) if pyproject is not None else {}
    where = f"in {pyproject}" if pyproject is not None else "(no pyproject.toml)"

    def setting(key: str, default: str) -> str:
        value = table.get(key, default)
        if not isinstance(value, str) or not value or "\0" in value:
            raise ConfigError(
                f"{key} {where} must be a non-empty path without NUL characters, not {value!r}"
            )
        return value

    for key in ("audit", "lint"):
        if key in table and not isinstance(table[key], dict):
            raise ConfigError(f"{key} {where} must be a table, such as [tool.opsgen.{key}], not {table[key]!r}")

    specs_dir = specs if specs is not None else root / setting("specs", "specs")
    package_dir = package if package is not None else root / setting("package", "generated")
    default_impl = package_dir.parent / "operations"
    if implementations is not None:
        implementations_dir = implementations
    elif "implementations" in table:
        implementations_dir = root / setting("implementations", "")
    else:
        implementations_dir = default_impl

    check_folder_path("package", package_dir)
    check_folder_path("implementations", implementations_dir)
    check_overlap(package_dir, implementations_dir, specs_dir)

    def module_setting(key: str, folder: Path) -> str:
        if key not in table:
            return module_name(folder, root)
        value = table[key]
        if not isinstance(value, str) or not is_module_name(value):
            raise ConfigError(
                f"{key} {where} must be a dotted Python module name (identifiers separated by dots), not {value!r}"
            )
        return value

    return GeneratorConfig(
        root=root,
        specs=specs_dir,
        package=package_dir,
        implementations=implementations_dir,
        package_module=module_setting("package-module", package_dir),
        implementations_module=module_setting("implementations-module", implementations_dir),
        audit_entities=_audit_entities(table, where),
    )


def check_folder_path(key: str, folder: Path) -> None:
    """Raise :class:`ConfigError` unless ``folder`` is a folder, a link to one, or missing.

    The generated package is swapped as a whole folder, so a file there (or a link to a
    file) would be moved aside. A broken link would send the output to a place the user
    did not choose, and a link that loops cannot be resolved at all.
    """
    if not os.path.lexists(folder):
        return
    try:
        status = os.stat(folder)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            problem = f"is a symbolic link that loops ({os.readlink(folder)})"
        elif exc.errno == errno.ENOENT:
            problem = f"is a symbolic link to {os.readlink(folder)}, which does not exist"
        else:
            problem = f"cannot be read ({exc.strerror})"
        raise ConfigError(f"{key} path {folder} {problem}; fix or remove it, or set {key} in [tool.opsgen]") from None
    if not stat.S_ISDIR(status.st_mode):
        kind = "a symbolic link to a file" if os.path.islink(folder) else "a file"
        raise ConfigError(
            f"{key} path {folder} is {kind}, not a folder; move it or set {key} in [tool.opsgen]"
        )


def check_overlap(package: Path, implementations: Path, specs: Path) -> None:
    """Raise :class:`ConfigError` when the package overlaps the implementations or the specs.

    Each run replaces the package folder as a whole, so implementations or specs inside
    it would vanish, and a package inside the implementations would be mixed with user
    code. A package inside the specs folder is allowed, because the specs are only read.
    """
    real_package = Path(os.path.realpath(package))
    for key, folder in (("implementations", implementations), ("specs", specs)):
        real_folder = Path(os.path.realpath(folder))
        if real_folder == real_package:
            relation = "is the same folder as"
        elif real_package in real_folder.parents:
            relation = "lies inside"
        elif real_folder in real_package.parents and key == "implementations":
            relation = "contains"
        else:
            continue
        raise ConfigError(
            f"the {key} folder {folder} {relation} the package folder {package}, which opsgen replaces "
            f"as a whole on every run; set package and {key} in [tool.opsgen] to folders apart from each other"
        )


def _audit_entities(table: dict[str, Any], where: str) -> frozenset[str] | None:
    """Return the audited entity names of ``[tool.opsgen]``, or ``None`` when it declares none."""
    audit = table.get("audit")
    entities = audit.get("entities") if isinstance(audit, dict) else None
    if entities is not None and not isinstance(entities, dict):
        raise ConfigError(
            f"audit.entities {where} must be a table, such as [tool.opsgen.audit.entities], not {entities!r}"
        )
    if not entities:
        return None
    return frozenset(str(name) for name in entities)
