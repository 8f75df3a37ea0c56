"""``opsgen init``: start a project with a specs folder, one example spec and settings.

Nothing that exists is overwritten: keys already in ``[tool.opsgen]`` keep their
values, and only missing keys are added. The example spec is written only while the
specs folder contains no spec file, so running the command again never brings back an
example that was deleted. The JSON Schema copy in the specs folder is rewritten only
while it carries opsgen's marker.

The generated package and the implementations go inside the project's own package
when one is found, so that ``pip install .`` of a flat-layout project does not meet
extra top-level packages named ``generated`` and ``operations``.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path
from typing import Any

EXAMPLE_SPEC = """\
# yaml-language-server: $schema={schema}
name: accounts.rename_user
description: Change the display name of a user.
input:
  user_id: uuid
  display_name:
    type: str
    min_length: 1
    max_length: 100
output:
  previous_name: str
errors:
  user_not_found:
    message: No user has this id.
    http_status: 404
context:
  requires: [actor]
transaction: true
locks:
  - key: "user:{{user_id}}"
"""

_TABLE_HEADER = re.compile(r"^\[tool\.opsgen\][ \t]*(#.*)?$", re.MULTILINE)
_OTHER_FORMS = re.compile(r"^(tool\.opsgen\s*=|opsgen\s*=|\[tool\.opsgen\.)", re.MULTILINE)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "init",
        help="create a specs folder and [tool.opsgen] settings",
        description=(
            "Create the specs folder with one example spec and add the [tool.opsgen] table to "
            "pyproject.toml in the current folder. Existing files and keys are never changed, "
            "and no example spec is written into a specs folder that already contains a spec."
        ),
    )
    parser.add_argument("--specs", default="specs", help="folder of the YAML specs (default: specs)")
    parser.add_argument(
        "--package",
        help="folder of the generated package (default: PROJECT/generated inside the project's package, else generated)",
    )
    parser.add_argument(
        "--implementations",
        help="folder of the implementation classes (default: PROJECT/operations, else operations)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from opsgen.codegen.config import ConfigError, check_folder_path, read_pyproject
    from opsgen.codegen.schema_copy import SCHEMA_FILE, SchemaCopy, outside_link_message, write_schema_copy
    from opsgen.codegen.writer import write_file_atomically

    root = Path.cwd()
    pyproject = root / "pyproject.toml"
    try:
        # A pyproject.toml that is a symbolic link is edited where it points, so the link stays.
        pyproject = settings_file(pyproject)
        text = read_pyproject(pyproject) if pyproject.exists() else ""
        configured = existing_table(text)
        project_name = project_table(text).get("name")
        specs_setting = configured.get("specs") if isinstance(configured.get("specs"), str) else args.specs
        specs = root / str(specs_setting)
        check_folder_path("specs", specs)
    except ConfigError as exc:
        print(f"opsgen init: {exc}", file=sys.stderr)
        return 2

    copy = write_schema_copy(specs, create=True, project=root)
    schema_display = (specs / SCHEMA_FILE).relative_to(root).as_posix()
    if copy is SchemaCopy.linked_outside:
        print(f"opsgen init: {outside_link_message(specs / SCHEMA_FILE, schema_display)}", file=sys.stderr)
    elif copy is SchemaCopy.foreign:
        print(
            f"opsgen init: kept {schema_display}, which is not opsgen's schema (it has no opsgen marker); "
            f"editors will check specs against it. Replace it with `opsgen schema --output {schema_display}` "
            "to use opsgen's",
            file=sys.stderr,
        )
    elif copy is not SchemaCopy.current:
        print(f"opsgen init: {copy.value} {schema_display}")

    create_example_spec(root, specs)

    base = project_package(root, project_name if isinstance(project_name, str) else None, str(specs_setting))
    settings = {
        "specs": args.specs,
        "package": args.package or (f"{base}/generated" if base else "generated"),
        "implementations": args.implementations or (f"{base}/operations" if base else "operations"),
    }
    defaulted = [key for key in ("package", "implementations") if getattr(args, key) is None and key not in configured]
    if defaulted and base is None:
        print(
            "opsgen init: no package of this project found (looked for the [project] name, one top-level "
            "package or src/<name>), so the generated code goes into the top-level packages `generated` and "
            "`operations`; for `pip install .` of a flat layout, pass --package NAME/generated "
            "--implementations NAME/operations instead",
            file=sys.stderr,
        )

    note = setuptools_discovery_note(text, base, str(specs_setting))
    if note is not None:
        print(f"opsgen init: {note}", file=sys.stderr)

    updated, added = add_settings(text, settings)
    if updated is None:
        lines = "\n".join(f"{key} = {toml_string(value)}" for key, value in settings.items())
        print(
            f"opsgen init: {pyproject} defines tool.opsgen in a form this command does not edit; "
            f"add these keys to it by hand:\n{lines}",
            file=sys.stderr,
        )
        return 1
    if added:
        write_file_atomically(pyproject, updated, overwrite=True)
        print(f"opsgen init: added {', '.join(added)} to [tool.opsgen] in {pyproject.name}")
    else:
        print(f"opsgen init: [tool.opsgen] in {pyproject.name} already has every key")
    print("next: opsgen generate")
    return 0


def settings_file(pyproject: Path) -> Path:
    """Return the file to read and edit for ``pyproject``: itself, or the target of a symbolic link.

    Raises :class:`ConfigError` when the link is broken or loops, because writing there
    would create a file the user did not ask for.
    """
    from opsgen.codegen.config import ConfigError

    if not pyproject.is_symlink():
        return pyproject
    target = Path(os.path.realpath(pyproject))
    if not target.exists():
        raise ConfigError(
            f"{pyproject} is a symbolic link to {os.readlink(pyproject)}, which does not exist or loops; "
            "fix the link or remove it"
        )
    return target


def create_example_spec(root: Path, specs: Path) -> None:
    """Write the example spec, unless the specs folder already contains a spec file.

    Any spec counts, not only the example: a project that deleted the example after
    writing its own must not get it back, because the next ``opsgen generate`` would
    turn it into a real operation with an implementation scaffold.
    """
    from opsgen.codegen.schema_copy import SCHEMA_FILE
    from opsgen.codegen.writer import write_file_atomically
    from opsgen.spec.loader import spec_files

    spec_path = specs / "accounts" / "rename_user.yaml"
    existing = spec_files(specs) if specs.is_dir() else []
    if spec_path in existing:
        print(f"opsgen init: kept the existing {spec_path.relative_to(root)}")
        return
    if existing:
        count = f"{len(existing)} spec file{'s' if len(existing) > 1 else ''}"
        print(
            f"opsgen init: skipped the example spec {spec_path.relative_to(root)}, "
            f"because {specs.relative_to(root)}/ already contains {count}"
        )
        return

    schema = Path(os.path.relpath(specs / SCHEMA_FILE, spec_path.parent)).as_posix()
    if write_file_atomically(spec_path, EXAMPLE_SPEC.format(schema=schema), overwrite=False):
        print(f"opsgen init: created {spec_path.relative_to(root)}")
    else:
        print(f"opsgen init: kept the existing {spec_path.relative_to(root)}")


#: Top-level folders that are never the project's own package.
_NOT_PROJECT_PACKAGES = frozenset({"tests", "test", "docs", "doc", "examples", "benchmarks", "scripts", "build", "dist"})


def project_package(root: Path, project_name: str | None, specs: str) -> str | None:
    """Return the folder of the project's own package relative to ``root``, or None.

    Looks, in order, for the ``[project] name`` as an import name under ``src/`` and at
    the top, then for the one top-level package with an ``__init__.py``, then for the
    one package under ``src/``. Returns None when none of these finds exactly one.
    """
    if project_name:
        name = re.sub(r"[^A-Za-z0-9]+", "_", project_name).strip("_").lower()
        if name.isidentifier():
            for folder in (root / "src" / name, root / name):
                if (folder / "__init__.py").is_file():
                    return folder.relative_to(root).as_posix()

    ignored = _NOT_PROJECT_PACKAGES | {specs.split("/")[0], "generated", "operations", "src"}
    for parent in (root, root / "src"):
        if not parent.is_dir():
            continue
        packages = [
            folder
            for folder in sorted(parent.iterdir())
            if folder.is_dir()
            and folder.name.isidentifier()
            and not folder.name.startswith(("_", "."))
            and folder.name not in ignored
            and (folder / "__init__.py").is_file()
        ]
        if len(packages) == 1:
            return packages[0].relative_to(root).as_posix()
    return None


def toml_string(value: str) -> str:
    """Return ``value`` as a TOML basic string."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    escaped = "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in escaped)
    return f'"{escaped}"'


def setuptools_discovery_note(text: str, base: str | None, specs: str) -> str | None:
    """Return advice when setuptools' flat-layout discovery would also take the specs folder.

    setuptools (61 and later) finds the packages of a flat layout by folder name, without
    needing ``__init__.py``, so a top-level ``specs/`` beside ``shop/`` makes
    ``pip install .`` stop with "Multiple top-level packages discovered". Returns None
    when another build backend is named, the packages are listed, or the layout is ``src/``.
    """
    from opsgen.codegen.config import parse_toml

    document = parse_toml(text, "pyproject.toml") if text else {}
    build_system = document.get("build-system")
    backend = build_system.get("build-backend", "") if isinstance(build_system, dict) else ""
    if backend and not str(backend).startswith("setuptools"):
        return None
    tool = document.get("tool")
    setuptools_table = tool.get("setuptools") if isinstance(tool, dict) else None
    if isinstance(setuptools_table, dict) and ("packages" in setuptools_table or "py-modules" in setuptools_table):
        return None
    if base is None or base.startswith("src/"):
        return None
    top = specs.split("/")[0]
    if not top.isidentifier() or top == base.split("/")[0]:
        return None
    return (
        f"setuptools' automatic discovery would also take the top-level folder {top}/ as a package, "
        "so `pip install .` would stop; list your package in pyproject.toml:\n"
        f'[tool.setuptools.packages.find]\ninclude = ["{base}*"]'
    )


def project_table(text: str) -> dict[str, Any]:
    """Return the ``[project]`` table of a pyproject text, or an empty dict."""
    from opsgen.codegen.config import parse_toml

    table = parse_toml(text, "pyproject.toml").get("project") if text else None
    return table if isinstance(table, dict) else {}


def existing_table(text: str) -> dict[str, Any]:
    """Return ``tool.opsgen`` of a pyproject text, or an empty dict."""
    from opsgen.codegen.config import parse_toml

    table = parse_toml(text, "pyproject.toml").get("tool", {}).get("opsgen") if text else None
    return table if isinstance(table, dict) else {}


def add_settings(text: str, settings: dict[str, str]) -> tuple[str | None, list[str]]:
    """Return ``text`` with the missing ``[tool.opsgen]`` keys added, and the names of those keys.

    Returns ``(None, [])`` when ``tool.opsgen`` is written as dotted keys or an inline
    table, because inserting into those safely needs a TOML editor.
    """
    from opsgen.codegen.config import parse_toml

    existing: Any = parse_toml(text, "pyproject.toml").get("tool", {}).get("opsgen") if text else None
    header = _TABLE_HEADER.search(text)
    if existing is not None and header is None:
        return None, []
    if header is None and _OTHER_FORMS.search(text):
        return None, []

    missing = {k: v for k, v in settings.items() if not (existing and k in existing)}
    if not missing:
        return text, []
    lines = "".join(f"{key} = {toml_string(value)}\n" for key, value in missing.items())
    if header is None:
        separator = ""
        if text and not text.endswith("\n\n"):
            separator = "\n" if text.endswith("\n") else "\n\n"
        return f"{text}{separator}[tool.opsgen]\n{lines}", list(missing)
    end = header.end()
    insert_at = end + 1 if end < len(text) else end
    prefix = text[:insert_at] if end < len(text) else text + "\n"
    return prefix + lines + text[insert_at:], list(missing)
