"""Attribute names built at run time, for calls through ``getattr()``.

``getattr(self, f"handle_{kind}")(event)`` runs one of the methods whose names begin with
``handle_``, so the summary names its callee ``pkg.mod.Processor().handle_*`` and the call
links to each such method (:meth:`opsgen.lint.analysis.Analysis.pattern_links`). A
pattern keeps the literal text before the first run-time part and after the last one:
``f"sync_{kind}_orders"`` gives ``sync_*_orders``.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping

#: The minimum number of literal characters in a pattern. ``f"_{name}"`` has one, and
#: would link every private method of the class.
MIN_LITERAL = 3
#: ``%s``, ``%(kind)s`` and ``{}``, ``{kind}``, ``{0!r}``: the run-time parts of a
#: ``%``-formatted or ``str.format()`` template.
_PERCENT_FIELD = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[sdrif]")
_FORMAT_FIELD = re.compile(r"\{[^{}]*\}")


def name_pattern(expr: ast.expr, known: Mapping[str, str]) -> str | None:
    """Return the attribute name ``expr`` builds, with ``*`` for its run-time part, or None.

    ``known`` maps local names to the patterns of the strings bound to them earlier, so
    ``name = "export_" + kind`` then ``getattr(module, name)`` gives ``export_*``. A string
    literal gives itself when it is an identifier.
    """
    if isinstance(expr, ast.Name):
        return known.get(expr.id)
    if isinstance(expr, ast.Constant):
        return expr.value if isinstance(expr.value, str) and expr.value.isidentifier() else None
    template = template_of(expr)
    return _pattern(template) if template is not None else None


def builds_text(expr: ast.expr | None) -> bool:
    """Return True when ``expr`` may build a string from a literal, as
    :func:`template_of` reads one: a quick test before that walk."""
    if isinstance(expr, (ast.JoinedStr, ast.BinOp)):
        return True
    return isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr == "format"


def template_of(expr: ast.expr) -> str | None:
    """Return the text ``expr`` builds, with ``*`` for each run-time part, or None when
    ``expr`` builds no string from a literal: an f-string, ``"a" + b``, ``"a%s" % b`` or
    ``"a{}".format(b)``."""
    if isinstance(expr, ast.JoinedStr):
        return "".join(_part(part) for part in expr.values)
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
        left, right = _part(expr.left), _part(expr.right)
        return None if left == right == "*" else left + right
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Mod):
        template = _text(expr.left)
        return _PERCENT_FIELD.sub("*", template) if template is not None else None
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr == "format":
        template = _text(expr.func.value)
        return _FORMAT_FIELD.sub("*", template) if template is not None else None
    return None


def matches(pattern: str, name: str) -> bool:
    """Return True when the attribute ``name`` fits ``pattern`` (``handle_*`` fits ``handle_paid``)."""
    prefix, _, suffix = pattern.partition("*")
    return len(name) >= len(prefix) + len(suffix) and name.startswith(prefix) and name.endswith(suffix)


def _part(expr: ast.expr) -> str:
    text = _text(expr)
    if text is not None:
        return text
    return template_of(expr) or "*"


def _text(expr: ast.expr) -> str | None:
    """Return the value of a string literal, or None for any other expression."""
    return expr.value if isinstance(expr, ast.Constant) and isinstance(expr.value, str) else None


def _pattern(template: str) -> str | None:
    """Return ``prefix*suffix`` of a template with run-time parts, or None when too little
    of it is literal to tell the candidates from the other attributes."""
    if "*" not in template:
        return template if template.isidentifier() else None
    prefix, suffix = template.partition("*")[0], template.rpartition("*")[2]
    literal = prefix + suffix
    if len(literal) < MIN_LITERAL or not literal.strip("_") or prefix.startswith("__"):
        return None
    if not (prefix + "x" + suffix).isidentifier():
        return None  # "handle-%s" names no attribute that a def can define
    return f"{prefix}*{suffix}"
