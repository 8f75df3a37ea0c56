"""Find the line length that the project's formatter or style checker uses, for ``--fix``.

The deferring fix splits a generated ``on_commit(partial(...))`` call over lines when it
is longer than this, so the fixed file keeps the project's style. The first setting
found wins, in the order a formatter reads its own:

1. ``line-length`` in ``.ruff.toml``, ``ruff.toml``, then ``[tool.ruff]`` of ``pyproject.toml``;
2. ``line-length`` in ``[tool.black]`` of ``pyproject.toml``;
3. ``max-line-length`` in the ``[flake8]`` section of ``.flake8``, ``setup.cfg`` or ``tox.ini``.

Without any, the length is 88, the default of Black and Ruff.
"""

from __future__ import annotations

import configparser
import sys
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

DEFAULT_LINE_LENGTH = 88


def project_line_length(root: Path) -> int:
    """Return the line length that the project at ``root`` configures, or 88.

    A file that cannot be read or parsed, or a value that is not a positive whole number,
    is passed over: the fix then follows the next setting, which is no reason to stop.
    """
    for name in (".ruff.toml", "ruff.toml"):
        length = _whole_number(_toml(root / name).get("line-length"))
        if length is not None:
            return length
    tools = _toml(root / "pyproject.toml").get("tool", {})
    if isinstance(tools, dict):
        for tool in ("ruff", "black"):
            table = tools.get(tool, {})
            length = _whole_number(table.get("line-length") if isinstance(table, dict) else None)
            if length is not None:
                return length
    for name in (".flake8", "setup.cfg", "tox.ini"):
        length = _flake8_length(root / name)
        if length is not None:
            return length
    return DEFAULT_LINE_LENGTH


def _toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError):
        return {}


def _flake8_length(path: Path) -> int | None:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError):
        return None
    if not parser.has_section("flake8"):
        return None
    # flake8 accepts the option with dashes or underscores.
    for option in ("max-line-length", "max_line_length"):
        if parser.has_option("flake8", option):
            return _whole_number(parser.get("flake8", option).strip())
    return None


def _whole_number(value: Any) -> int | None:
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    return None
