"""Locate the data folders that ship inside the wheel.

An installed wheel carries ``templates/`` and ``lint_rules/`` as ``opsgen/_data/``.
A source checkout (including an editable install) has them beside the package.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """Return the folder ``name`` (``templates`` or ``lint_rules``), installed or in the checkout.

    Raises ``FileNotFoundError`` naming both places looked at when neither exists.
    """
    installed = _PACKAGE_DIR / "_data" / name
    if installed.is_dir():
        return installed
    checkout = _PACKAGE_DIR.parent / name
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(
        f"opsgen data folder {name!r} not found at {installed} or {checkout}; reinstall opsgen"
    )
