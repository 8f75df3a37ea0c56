"""Locate the data folders that ship inside the wheel.

An installed wheel carries ``templates/``, ``lint_rules/`` and ``docs/rules/`` in
``opsgen/_data/``, the last as ``rule_docs``. A source checkout (including an editable
install) has them beside the package.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent

#: Data folders whose place in the checkout differs from their name in the wheel.
_CHECKOUT_PATHS = {"rule_docs": "docs/rules"}


def data_dir(name: str) -> Path:
    """Return the folder ``name`` (``templates``, ``lint_rules`` or ``rule_docs``), installed
    or in the checkout.

    Raises ``FileNotFoundError`` naming both places looked at when neither exists.
    """
    installed = _PACKAGE_DIR / "_data" / name
    if installed.is_dir():
        return installed
    checkout = _PACKAGE_DIR.parent / _CHECKOUT_PATHS.get(name, name)
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(
        f"opsgen data folder {name!r} not found at {installed} or {checkout}; reinstall opsgen"
    )
