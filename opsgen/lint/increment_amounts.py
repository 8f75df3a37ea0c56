"""The amount added to a field: a number that counts, or text or a list that builds a value.

``obj.balance += data["amount"]`` and ``obj.note += "..."`` are both augmented
assignments. The first is a read-modify-write of a counter, which concurrent calls lose.
The second builds a value, which no update with ``F()`` can replace, so the missing-lock
rules treat only the first as an increment.

The type of the amount is rarely known from the syntax, so the rules count an amount as a
number unless its own shape shows text or a collection (:func:`amount_kind`). A string
inside the amount that is not its value, such as the key of ``data["amount"]`` or of
``data.get("amount")``, or the argument of ``Decimal("1.50")``, is no such evidence. When
the shape shows neither, the field's declared type or its name may still show text
(:func:`text_named_field`, and ``declared_field_kind`` in model_declarations).
"""

from __future__ import annotations

import ast
from typing import Literal

AmountKind = Literal["number", "text", "unknown"]

#: Builtins and methods whose result is text, bytes or a collection, never a number.
TEXT_BUILDERS = frozenset(
    {"str", "repr", "ascii", "chr", "format", "bytes", "list", "tuple", "set", "frozenset", "sorted", "dict"}
)
TEXT_METHODS = frozenset(
    {
        "join", "format", "format_map", "strip", "lstrip", "rstrip", "upper", "lower", "title",
        "capitalize", "casefold", "replace", "ljust", "rjust", "center", "zfill", "encode",
        "decode", "split", "rsplit", "splitlines", "removeprefix", "removesuffix", "expandtabs",
        "isoformat", "strftime", "hexdigest",
    }
)
#: Builtins and constructors whose result is a number or a duration, which ``+=`` counts.
NUMBER_BUILDERS = frozenset(
    {"int", "float", "Decimal", "Fraction", "complex", "len", "abs", "round", "sum", "timedelta", "relativedelta"}
)
#: Last words of field names that name text or a list (``note``, ``admin_notes``,
#: ``error_message``, ``status_history``), checked only when the amount shows no type.
TEXT_FIELD_WORDS = frozenset(
    {
        "note", "notes", "description", "comment", "comments", "message", "messages", "text",
        "body", "content", "log", "history", "remark", "remarks", "reason", "title", "name",
        "label", "summary", "address", "url", "html", "tags",
    }
)
_COLLECTIONS = (ast.JoinedStr, ast.List, ast.Tuple, ast.Set, ast.Dict, ast.ListComp, ast.SetComp, ast.DictComp)


def amount_kind(expr: ast.expr) -> AmountKind:
    """Classify what ``expr``, the right side of ``+=`` or ``-=``, adds to a field.

    ``"text"`` for a string, bytes, an f-string, a collection literal or comprehension, a
    call that builds one (``str(n)``, ``", ".join(names)``, ``line.strip()``), ``"%s" % x``,
    a slice of any of them, and a sum, conditional or ``or`` that has one among its
    operands. ``"number"`` for a numeric literal, a negation, a call such as ``int(raw)``,
    ``Decimal(raw)`` or ``len(rows)``, or arithmetic on one of these. ``"unknown"`` for
    anything else: a name, an attribute, a subscript (``data["amount"]``) or another call
    (``data.get("amount")``).
    """
    if isinstance(expr, ast.Constant):
        if isinstance(expr.value, (str, bytes)):
            return "text"
        return "number" if isinstance(expr.value, (int, float, complex)) and not isinstance(expr.value, bool) else "unknown"
    if isinstance(expr, _COLLECTIONS):
        return "text"
    if isinstance(expr, ast.UnaryOp):
        return "number" if isinstance(expr.op, (ast.USub, ast.UAdd)) else "unknown"
    if isinstance(expr, ast.BinOp):
        return _binary_kind(expr)
    if isinstance(expr, ast.IfExp):
        return _combined_kind([expr.body, expr.orelse])
    if isinstance(expr, ast.BoolOp):
        return _combined_kind(expr.values)
    if isinstance(expr, ast.Subscript):
        # "abc"[1:] is text; data["amount"] or rows[0] may hold anything.
        return "text" if amount_kind(expr.value) == "text" else "unknown"
    if isinstance(expr, ast.Await):
        return amount_kind(expr.value)
    if isinstance(expr, ast.Call):
        return _call_kind(expr)
    return "unknown"


def _binary_kind(expr: ast.BinOp) -> AmountKind:
    left, right = amount_kind(expr.left), amount_kind(expr.right)
    if isinstance(expr.op, ast.Mod) and left == "text":
        return "text"  # "%s items" % n
    if "text" in (left, right) and isinstance(expr.op, (ast.Add, ast.Mult)):
        return "text"  # "\nVAT-ID: " + vat_id, "-" * width, [item] * count
    if "number" in (left, right):
        return "number"
    return "unknown"


def _combined_kind(values: list[ast.expr]) -> AmountKind:
    """Return the kind of a value that may be any of ``values`` (``a if c else b``, ``a or b``)."""
    kinds = {amount_kind(value) for value in values}
    if "text" in kinds:
        return "text"
    return "number" if "number" in kinds else "unknown"


def _call_kind(call: ast.Call) -> AmountKind:
    func = call.func
    if isinstance(func, ast.Attribute):
        if func.attr in TEXT_METHODS or amount_kind(func.value) == "text":
            return "text"
        name = func.attr
    elif isinstance(func, ast.Name):
        if func.id in TEXT_BUILDERS:
            return "text"
        name = func.id
    else:
        return "unknown"
    return "number" if name in NUMBER_BUILDERS else "unknown"


def text_named_field(name: str) -> bool:
    """Return True when the field's name is a word for text or a list: its last word, split
    at ``_``, is one of :data:`TEXT_FIELD_WORDS` (``notes``, ``error_message``)."""
    return name.lower().rpartition("_")[2] in TEXT_FIELD_WORDS
