"""Messages for invalid constraint values: what each constraint takes on which type, with an example.

A constraint (``ge``, ``max_length``, ``pattern`` ...) sits on a field or on a shared
alias, and what it accepts depends on the type there. A bound on an ``int`` field must
be a whole number, and one on a ``float`` field must be a number a float can hold. Each
message names the constraint and the type, and each hint shows a value to write, such
as ``ge: 1``.
"""

from __future__ import annotations

import math
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

BOUND_KEYS = frozenset({"ge", "gt", "le", "lt"})
CONSTRAINT_KEYS = BOUND_KEYS | {"min_length", "max_length", "pattern", "max_digits", "decimal_places"}

#: What a length, digits or pattern constraint takes, with example values.
_SETTING_VALUES: dict[str, tuple[str, tuple[str, ...]]] = {
    "min_length": ("a whole number of 0 or more", ("1",)),
    "max_length": ("a whole number of 0 or more", ("100",)),
    "max_digits": ("a whole number from 1 to 100", ("10",)),
    "decimal_places": ("a whole number from 0 to 100", ("2",)),
    "pattern": ("a regular expression of at most 500 characters", ("'^[A-Z]{3}$'",)),
}

#: What a bound takes on a field of each numeric type, with example values. A quoted
#: decimal bound keeps every digit, which a YAML float would round.
_BOUND_VALUES: dict[str, tuple[str, tuple[str, ...]]] = {
    "int": ("a whole number", ("1",)),
    "float": ("a finite number", ("0.5",)),
    "decimal": ("a finite number", ("0", '"0.01"')),
}
_ANY_NUMBER = ("a finite number", ("0",))

_NUMERIC = frozenset(_BOUND_VALUES)
_SIZED = frozenset({"str", "list", "map"})
_SCALARS = frozenset({"str", "int", "float", "bool", "decimal", "date", "datetime", "uuid"})


def describe_constraint_value(
    key: str, owner: dict[str, Any], owner_kind: str, owner_name: str, value: Any, got: str
) -> tuple[str, str]:
    """Return the message and hint for the invalid ``value`` of the constraint ``key``.

    ``owner`` is the mapping the constraint is written in, a field or a shared type
    (``owner_kind``), ``owner_name`` names it, and ``got`` describes the value.
    """
    type_text = _type_text(owner)
    base = _base(type_text)
    if key in BOUND_KEYS:
        needed, examples = _BOUND_VALUES.get(base or "", _ANY_NUMBER)
    else:
        needed, examples = _SETTING_VALUES[key]
    subject = f"the {type_text} {owner_kind} {owner_name}" if type_text else f"the {owner_kind} {owner_name}"
    message = f"{key} needs {needed} for {subject} (got {got})"

    # Bounds take quoted numbers, so only the whole-number settings reject quotes.
    quoted_number = key not in BOUND_KEYS and isinstance(value, str) and value.strip().isdigit()
    unquoted = " without quotes" if quoted_number else ""
    hint = f"write {needed}{unquoted}, such as " + " or ".join(f"`{key}: {example}`" for example in examples)
    if key in BOUND_KEYS and base is not None and base not in _NUMERIC:
        hint += ". Only int, float and decimal fields take ge, gt, le and lt"
        if base in _SIZED:
            hint += f": limit a {base} with min_length and max_length"
    return message, hint


#: Most digits a bound or a decimal default may have before the decimal point, and after it,
#: written out in full. ``1e999999999`` is a short text for a number of a billion digits,
#: and converting it for generated code does not finish in any useful time.
MAX_NUMBER_DIGITS = 100


def number_size_problem(number: Decimal) -> str | None:
    """Return why ``number`` is too large or too precise to write into generated code, or None."""
    if not number.is_finite():
        return f"{number} is not a finite number"
    if number.is_zero():
        return None
    sign, digits, exponent = number.as_tuple()
    assert isinstance(exponent, int)
    whole_digits = len(digits) + exponent
    if whole_digits > MAX_NUMBER_DIGITS:
        return f"{number} has {whole_digits} digits before the decimal point, more than the limit of {MAX_NUMBER_DIGITS}"
    if -exponent > MAX_NUMBER_DIGITS:
        return f"{number} has {-exponent} digits after the decimal point, more than the limit of {MAX_NUMBER_DIGITS}"
    return None


def bound_problem(key: str, bound: Decimal, base: str) -> tuple[str, str] | None:
    """Return the message and hint when the valid number ``bound`` cannot bound a ``base`` field.

    No bound may have more than :data:`MAX_NUMBER_DIGITS` digits before or after the
    decimal point (a float field's bounds are held to what a float can hold instead).
    An ``int`` field needs a whole bound. A ``float`` field needs a bound
    a float can hold: a larger one would become infinity, and a tiny non-zero one would
    become 0.
    """
    if base != "float":
        too_large = _bound_size_problem(key, bound)
        if too_large is not None:
            return too_large
    if base == "int" and bound != bound.to_integral_value():
        # ge and lt round up, gt and le round down, so the rounded bound allows the same ints.
        rounding = ROUND_CEILING if key in ("ge", "lt") else ROUND_FLOOR
        whole = bound.to_integral_value(rounding=rounding)
        return (
            f"{key}: {bound} is not a whole number, but the field is an int",
            f"write `{key}: {whole}`, which allows the same whole numbers",
        )
    if base == "float":
        as_float = float(bound)
        if math.isinf(as_float):
            return (
                f"{key}: {bound} is too large for a float field",
                f"write a bound below 1.7e308, or make the field a decimal, which takes bounds of up to {MAX_NUMBER_DIGITS} digits",
            )
        if as_float == 0 and bound != 0:
            return (
                f"{key}: {bound} is too small for a float field and would become 0",
                "write 0 or a larger bound, or make the field a decimal",
            )
    return None


def _bound_size_problem(key: str, bound: Decimal) -> tuple[str, str] | None:
    too_large = number_size_problem(bound)
    if too_large is None:
        return None
    return (
        f"{key}: {too_large}",
        f"write a bound of at most {MAX_NUMBER_DIGITS} digits before and after the decimal point, such as `{key}: 1000000`",
    )


def _type_text(owner: dict[str, Any]) -> str | None:
    """Return the type the constraint applies to as the author wrote it, or None when unclear."""
    written = owner.get("type")
    if isinstance(written, str) and written.strip():
        return " ".join(written.split())
    if "enum" in owner:
        return "enum"
    if "fields" in owner:
        return "object"
    return None


def _base(type_text: str | None) -> str | None:
    """Return the scalar, list, map, enum or object kind of ``type_text``, or None for a shared type name."""
    if type_text is None:
        return None
    if type_text in _SCALARS or type_text in ("enum", "object"):
        return type_text
    for container in ("list", "map"):
        if type_text.replace(" ", "").startswith(container + "["):
            return container
    return None
