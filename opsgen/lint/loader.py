"""Load the rule classes from the ``lint_rules/`` folder.

Each ``ops*.py`` file there is imported from its path under the stable module name
``opsgen_lint_rules.<file stem>``, so the rules load the same from a source checkout and
from an installed wheel (where the folder ships as ``opsgen/_data/lint_rules``).
"""

from __future__ import annotations

import importlib.util
import inspect
import os
import sys
import types
from functools import lru_cache
from pathlib import Path

from opsgen._resources import data_dir
from opsgen.lint.rule import Rule

PACKAGE = "opsgen_lint_rules"


class RuleLoadError(RuntimeError):
    """A rule file that does not import or does not define a valid rule."""


def _package() -> types.ModuleType:
    package = sys.modules.get(PACKAGE)
    if package is None:
        package = types.ModuleType(PACKAGE)
        package.__path__ = []
        sys.modules[PACKAGE] = package
    return package


def load_rule_file(path: Path) -> list[type[Rule]]:
    """Import one rule file and return the :class:`Rule` subclasses it defines."""
    _package()
    name = f"{PACKAGE}.{path.stem}"
    module = sys.modules.get(name)
    if module is None or getattr(module, "__file__", None) != str(path):
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise RuleLoadError(f"cannot import lint rule {path}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        # The compiled rules go to a cache folder of their own, not to a __pycache__
        # beside them, because that folder would ship in a wheel built from the checkout.
        prefix = sys.pycache_prefix
        sys.pycache_prefix = prefix or bytecode_folder()
        try:
            spec.loader.exec_module(module)
        except Exception as exc:
            del sys.modules[name]
            raise RuleLoadError(f"lint rule {path} failed to import: {exc}") from exc
        finally:
            sys.pycache_prefix = prefix
    rules = [
        value
        for value in vars(module).values()
        if inspect.isclass(value) and issubclass(value, Rule) and value is not Rule and value.__module__ == name
    ]
    for rule in rules:
        for attribute in ("code", "name", "MESSAGE"):
            if not isinstance(getattr(rule, attribute, None), str):
                raise RuleLoadError(f"lint rule {rule.__name__} in {path} does not set {attribute}")
        if not rule.MESSAGE.startswith(rule.code):
            raise RuleLoadError(f"lint rule {rule.__name__} in {path}: MESSAGE must begin with {rule.code}")
    return rules


def bytecode_folder() -> str:
    """Return the folder that keeps the compiled rule files between runs.

    It is ``$XDG_CACHE_HOME/opsgen/bytecode``, or ``~/.cache/opsgen/bytecode``. Python
    writes nothing there when ``PYTHONDONTWRITEBYTECODE`` is set or the folder cannot be
    created, and then compiles the rules in each process (about 0.1 s).
    """
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(cache, "opsgen", "bytecode")


@lru_cache(maxsize=4)
def load_rules(folder: Path | None = None) -> tuple[type[Rule], ...]:
    """Return every rule of ``folder`` (the shipped ``lint_rules`` by default), sorted by code."""
    folder = folder or data_dir("lint_rules")
    rules: list[type[Rule]] = []
    for path in sorted(folder.glob("ops*.py")):
        rules.extend(load_rule_file(path))
    codes = [rule.code for rule in rules]
    duplicates = sorted({code for code in codes if codes.count(code) > 1})
    if duplicates:
        raise RuleLoadError(f"lint rule codes defined twice in {folder}: {', '.join(duplicates)}")
    return tuple(sorted(rules, key=lambda rule: rule.code))
