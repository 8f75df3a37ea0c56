"""``opsgen init``: start a project with a specs folder, one example spec and settings.

Nothing that exists is overwritten: an existing spec file stays as it is, and keys
already in ``[tool.opsgen]`` keep their values; only missing keys are added.
"""

from __future__ import annotations

import argparse
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
            "pyproject.toml in the current folder. Existing files and keys are never changed."
        ),
    )
    parser.add_argument("--specs", default="specs", help="folder of the YAML specs (default: specs)")
    parser.add_argument(
        "--package", default="generated", help="folder of the generated package (default: generated)"
    )
    parser.add_argument(
        "--implementations",
        default="operations",
        help="folder of the implementation classes (default: operations)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from opsgen.codegen.config import ConfigError
    from opsgen.codegen.writer import write_file_atomically

    root = Path.cwd()
    pyproject = root / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8") if pyproject.exists() else ""
    try:
        configured = existing_table(text)
    except ConfigError as exc:
        print(f"opsgen init: {exc}", file=sys.stderr)
        return 1
    specs = configured.get("specs") if isinstance(configured.get("specs"), str) else args.specs
    spec_path = root / str(specs) / "accounts" / "rename_user.yaml"
    schema = relative_schema_path(spec_path.parent, root)
    if write_file_atomically(spec_path, EXAMPLE_SPEC.format(schema=schema), overwrite=False):
        print(f"opsgen init: created {spec_path.relative_to(root)}")
    else:
        print(f"opsgen init: kept the existing {spec_path.relative_to(root)}")

    settings = {"specs": args.specs, "package": args.package, "implementations": args.implementations}
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


def relative_schema_path(spec_folder: Path, root: Path) -> str:
    """Return the path from the spec's folder to the schema of an opsgen source checkout."""
    depth = len(spec_folder.relative_to(root).parts)
    return "../" * depth + "opsgen/spec/spec.schema.json"


def toml_string(value: str) -> str:
    """Return ``value`` as a TOML basic string."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    escaped = "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in escaped)
    return f'"{escaped}"'


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
