"""OPS309 compares module-level functions in the usual homes of a service layer, and only there."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsgen.lint.engine import lint_paths
from opsgen.lint.services import is_services_module

from tests_lint_support import write_project  # type: ignore[import-not-found]

#: Three functions that return a value, the last one as a (result, error) pair.
MIXED = """\
def load(key):
    return STORE[key]


def parse(text):
    return text.split(",")


def try_parse(text):
    if not text:
        return None, "empty"
    return text.split(","), None
"""


@pytest.mark.parametrize(
    "module",
    [
        "shop.services",
        "shop.services.orders",
        "shop.use_cases",
        "shop.usecases.checkout",
        "shop.interactors",
        "shop.application.checkout",
        "shop.domain.services",
    ],
)
def test_service_layer_homes(module: str) -> None:
    assert is_services_module(module)


@pytest.mark.parametrize(
    "module",
    [
        "shop.helpers",
        "shop.application",
        "shop.services.utils",
        "shop.application.exceptions",
        "shop.management.commands",
        "shop.management.commands.import_orders",
        # A command-line interface, as pip's ``commands`` package.
        "shop.commands",
        "shop.commands.show",
    ],
)
def test_other_modules_not_service_layer(module: str) -> None:
    assert not is_services_module(module)


@pytest.mark.parametrize(
    "relative",
    ["shop/use_cases.py", "shop/application/checkout.py", "shop/interactors/pricing.py"],
)
def test_mixed_shapes_reported_in_layer(tmp_path: Path, relative: str) -> None:
    root = write_project(tmp_path / "project", _package_files(relative, MIXED))

    findings = [f for f in lint_paths([root], use_cache=False).findings if f.code == "OPS309"]

    assert [f.line for f in findings] == [9]
    assert "try_parse()" in findings[0].message


@pytest.mark.parametrize(
    "relative",
    ["shop/helpers.py", "shop/services/utils.py", "shop/application.py", "shop/management/commands/load.py"],
)
def test_mixed_shapes_quiet_elsewhere(tmp_path: Path, relative: str) -> None:
    root = write_project(tmp_path / "project", _package_files(relative, MIXED))

    assert [f for f in lint_paths([root], use_cache=False).findings if f.code == "OPS309"] == []


def test_package_modules_compared(tmp_path: Path) -> None:
    files = _package_files("shop/use_cases/load.py", "def load(key):\n    return STORE[key]\n")
    files["shop/use_cases/parse.py"] = "def parse(text):\n    return text.split(',')\n"
    files["shop/use_cases/try_parse.py"] = MIXED[MIXED.index("def try_parse") :]
    root = write_project(tmp_path / "project", files)

    findings = [f for f in lint_paths([root], use_cache=False).findings if f.code == "OPS309"]

    assert [(Path(f.path).name, f.line) for f in findings] == [("try_parse.py", 1)]
    assert "package shop.use_cases" in findings[0].message


def test_package_utility_module_not_compared(tmp_path: Path) -> None:
    files = _package_files("shop/use_cases/load.py", "def load(key):\n    return STORE[key]\n")
    files["shop/use_cases/parse.py"] = "def parse(text):\n    return text.split(',')\n"
    files["shop/use_cases/helpers.py"] = MIXED[MIXED.index("def try_parse") :]
    root = write_project(tmp_path / "project", files)

    assert [f for f in lint_paths([root], use_cache=False).findings if f.code == "OPS309"] == []


def _package_files(relative: str, source: str) -> dict[str, str]:
    """Return ``relative`` with ``source``, and an empty ``__init__.py`` in each of its folders."""
    files = {relative: source}
    parts = relative.split("/")[:-1]
    for depth in range(1, len(parts) + 1):
        files["/".join(parts[:depth]) + "/__init__.py"] = ""
    return files


CONTEXT_MANAGERS = """\
from contextlib import contextmanager


def open_cart(user):
    return {"user": user}


def close_cart(cart):
    return cart


@contextmanager
def cart_session(user):
    cart = open_cart(user)
    yield cart
    close_cart(cart)
"""


def test_context_manager_factories_not_compared(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project", {"shop/services.py": CONTEXT_MANAGERS})

    findings = [f for f in lint_paths([root], use_cache=False).findings if f.code == "OPS309"]

    assert findings == []
