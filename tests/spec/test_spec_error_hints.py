"""Every spec error carries a hint, and constraint-value errors show what to write."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsgen.spec.errors import SpecError, SpecErrors
from opsgen.spec.loader import load_specs

TYPES = "kind: types\ntypes:\n  Money: {type: decimal}\n  Count: {type: int}\n"

#: Broken specs, one mistake each, from every family of checks: YAML, structure,
#: values, names, types, defaults, constraints and key templates.
BROKEN_SPECS = {
    "bound word on int": "name: a.b\ninput:\n  x: {type: int, ge: one}\n",
    "bound list on decimal": "name: a.b\ninput:\n  x: {type: decimal, le: [1]}\n",
    "bound boolean on float": "name: a.b\ninput:\n  x: {type: float, gt: true}\n",
    "bound mapping": "name: a.b\ninput:\n  x: {type: int, lt: {a: 1}}\n",
    "bound infinite": "name: a.b\ninput:\n  x: {type: float, ge: .inf}\n",
    "bound not a number": "name: a.b\ninput:\n  x: {type: float, ge: .nan}\n",
    "bound with comma": "name: a.b\ninput:\n  x: {type: decimal, ge: '1,5'}\n",
    "bound fraction on int": "name: a.b\ninput:\n  x: {type: int, ge: 1.5}\n",
    "bound too large for float": "name: a.b\ninput:\n  x: {type: float, le: '1e400'}\n",
    "bound on str": "name: a.b\ninput:\n  x: {type: str, ge: 1}\n",
    "bound on alias": "name: a.b\ninput:\n  x: {type: Money, ge: zero}\n",
    "bound on shared type": "kind: types\ntypes:\n  Price: {type: decimal, ge: zero}\n",
    "bound in error details": "name: a.b\nerrors:\n  e:\n    message: m\n    details:\n      d: {type: int, ge: x}\n",
    "length word": "name: a.b\ninput:\n  x: {type: str, min_length: two}\n",
    "length negative": "name: a.b\ninput:\n  x: {type: str, min_length: -1}\n",
    "length fraction": "name: a.b\ninput:\n  x: {type: str, max_length: 1.5}\n",
    "max digits zero": "name: a.b\ninput:\n  x: {type: decimal, max_digits: 0}\n",
    "pattern number": "name: a.b\ninput:\n  x: {type: str, pattern: 5}\n",
    "pattern too long": "name: a.b\ninput:\n  x: {type: str, pattern: '" + "a" * 600 + "'}\n",
    "pattern invalid": "name: a.b\ninput:\n  x: {type: str, pattern: '['}\n",
    "bounds swapped": "name: a.b\ninput:\n  x: {type: int, ge: 5, le: 1}\n",
    "two lower bounds": "name: a.b\ninput:\n  x: {type: int, ge: 1, gt: 1}\n",
    "enum empty": "name: a.b\ninput:\n  x: {enum: []}\n",
    "enum numbers": "name: a.b\ninput:\n  x: {enum: [1, 2]}\n",
    "enum repeated": "name: a.b\ninput:\n  x: {enum: [a, a]}\n",
    "type empty": "name: a.b\ninput:\n  x: ''\n",
    "type parentheses": "name: a.b\ninput:\n  x: 'list(int)'\n",
    "type unclosed": "name: a.b\ninput:\n  x: 'list[int'\n",
    "type misspelt": "name: a.b\ninput:\n  x: strr\n",
    "type number": "name: a.b\ninput:\n  x: 5\n",
    "description number": "name: a.b\ndescription: 5\n",
    "name number": "name: 5\n",
    "name without domain": "name: pay\n",
    "kind misspelt": "kind: opration\nname: a.b\n",
    "name missing": "description: x\n",
    "version zero": "name: a.b\nversion: 0\n",
    "queue with space": "name: a.b\nqueue: 'a b'\n",
    "http status low": "name: a.b\nerrors:\n  e: {message: m, http_status: 200}\n",
    "error as string": "name: a.b\nerrors:\n  e: oops\n",
    "context as string": "name: a.b\ncontext: actor\n",
    "context key invalid": "name: a.b\ncontext:\n  requires: [Bad-Key]\n",
    "transaction word": "name: a.b\ntransaction: maybe\n",
    "nested number": "name: a.b\ntransaction: {nested: 5}\n",
    "unknown setting": "name: a.b\ntransaction: {foo: 1}\n",
    "lock timeout negative": "name: a.b\nlocks:\n  - key: x\n    timeout: -1\n",
    "lock key brace": "name: a.b\nlocks:\n  - key: '{'\n",
    "lock placeholder unknown": "name: a.b\nlocks:\n  - key: '{y}'\n",
    "singleton string": "name: a.b\nsingleton: yes\n",
    "effect kind": "name: a.b\nside_effects:\n  send: {kind: sms}\n",
    "retry multiplier": "name: a.b\nretry: {multiplier: 0.5}\n",
    "audit repeated": "name: a.b\naudit: {changes: [A, A]}\n",
    "top level list": "- a\n- b\n",
    "unknown top key": "name: a.b\nfoo: 1\n",
    "default list": "name: a.b\ninput:\n  x: {type: str, default: [1]}\n",
    "default wrong type": "name: a.b\ninput:\n  x: {type: int, default: x}\n",
    "default below bound": "name: a.b\ninput:\n  x: {type: int, default: 0, ge: 1}\n",
    "field name number": "name: a.b\ninput:\n  1: int\n",
    "tag on value": "name: a.b\nversion: !!int x\n",
    "tag on mapping": "name: a.b\ninput: !!seq {x: int}\n",
    "custom tag": "name: a.b\ninput: !custom {x: int}\n",
    "alias without anchor": "name: a.b\ninput: *x\n",
    "duplicate key": "name: a.b\nname: a.c\n",
    "merge key": "name: a.b\n<<: {x: 1}\n",
    "two documents": "name: a.b\n---\nname: a.c\n",
    "empty file": "",
    "unclosed brace": "name: a.b\ninput:\n  x: {type: int\n  y: str\n",
    "tab indentation": "name: a.b\ninput:\n\tx: str\n",
    "shared type as string": "kind: types\ntypes:\n  Price: decimal\n",
    "shared type two shapes": "kind: types\ntypes:\n  A: {type: str, enum: [a]}\n",
    "constraint on enum type": "kind: types\ntypes:\n  A: {enum: [a], ge: 1}\n",
    "alias cycle": "kind: types\ntypes:\n  A: {type: B}\n  B: {type: A}\n",
}


def load_errors(root: Path, files: dict[str, str]) -> list[SpecError]:
    specs = root / "specs"
    specs.mkdir()
    for name, text in files.items():
        (specs / name).write_text(text, encoding="utf-8")
    with pytest.raises(SpecErrors) as caught:
        load_specs(specs)
    return caught.value.errors


@pytest.mark.parametrize("text", BROKEN_SPECS.values(), ids=BROKEN_SPECS.keys())
def test_every_error_has_hint(tmp_path: Path, text: str) -> None:
    errors = load_errors(tmp_path, {"types.yaml": TYPES, "op.yaml": text})

    assert errors
    for error in errors:
        assert error.hint, error.format()


@pytest.mark.parametrize(
    "field, message, hint",
    [
        (
            "{type: int, ge: one}",
            "ge needs a whole number for the int field input.x (got the string 'one')",
            "write a whole number, such as `ge: 1`",
        ),
        (
            "{type: float, lt: '1e3x'}",
            "lt needs a finite number for the float field input.x (got the string '1e3x')",
            "write a finite number, such as `lt: 0.5`",
        ),
        (
            "{type: decimal, le: [1]}",
            "le needs a finite number for the decimal field input.x (got a list)",
            'write a finite number, such as `le: 0` or `le: "0.01"`',
        ),
        (
            "{type: Money, gt: .inf}",
            "gt needs a finite number for the Money field input.x (got the number inf)",
            "write a finite number, such as `gt: 0`",
        ),
        (
            "{type: str, ge: one}",
            "ge needs a finite number for the str field input.x (got the string 'one')",
            "write a finite number, such as `ge: 0`. Only int, float and decimal fields take ge, gt, le and lt: "
            "limit a str with min_length and max_length",
        ),
        (
            "{type: str, max_length: many}",
            "max_length needs a whole number of 0 or more for the str field input.x (got the string 'many')",
            "write a whole number of 0 or more, such as `max_length: 100`",
        ),
        (
            "{type: str, max_length: '9'}",
            "max_length needs a whole number of 0 or more for the str field input.x (got the string '9')",
            "write a whole number of 0 or more without quotes, such as `max_length: 100`",
        ),
        (
            "{type: decimal, decimal_places: 101}",
            "decimal_places needs a whole number from 0 to 100 for the decimal field input.x (got the number 101)",
            "write a whole number from 0 to 100, such as `decimal_places: 2`",
        ),
        (
            "{enum: [a, b], min_length: -1}",
            "min_length needs a whole number of 0 or more for the enum field input.x (got the number -1)",
            "write a whole number of 0 or more, such as `min_length: 1`",
        ),
    ],
)
def test_constraint_value_names_type(tmp_path: Path, field: str, message: str, hint: str) -> None:
    line = f"  x: {field}"
    errors = load_errors(tmp_path, {"types.yaml": TYPES, "op.yaml": f"name: a.b\ninput:\n{line}\n"})
    value_column = line.index(": ", line.index(",")) + 3

    assert len(errors) == 1
    assert errors[0].message == message
    assert errors[0].hint == hint
    assert (errors[0].line, errors[0].column) == (3, value_column)


def test_constraint_value_on_shared_type(tmp_path: Path) -> None:
    errors = load_errors(tmp_path, {"types.yaml": "kind: types\ntypes:\n  Price: {type: decimal, ge: zero}\n"})

    assert len(errors) == 1
    assert errors[0].message == "ge needs a finite number for the decimal type Price (got the string 'zero')"


@pytest.mark.parametrize(
    "bound, whole",
    [("ge: 1.5", "ge: 2"), ("gt: 1.5", "gt: 1"), ("le: 1.5", "le: 1"), ("lt: 1.5", "lt: 2"), ("ge: -1.5", "ge: -1")],
)
def test_fractional_bound_on_int(tmp_path: Path, bound: str, whole: str) -> None:
    errors = load_errors(tmp_path, {"types.yaml": TYPES, "op.yaml": f"name: a.b\ninput:\n  x: {{type: Count, {bound}}}\n"})

    assert len(errors) == 1
    assert errors[0].message == f"{bound} is not a whole number, but the field is an int"
    assert errors[0].hint == f"write `{whole}`, which allows the same whole numbers"


def test_whole_bound_on_int_loads(tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "op.yaml").write_text("name: a.b\ninput:\n  x: {type: int, ge: 1.0, lt: '10'}\n", encoding="utf-8")

    operation = load_specs(specs).operations[0]

    assert operation.inputs[0].constraints.ge == 1
    assert operation.inputs[0].constraints.lt == 10


@pytest.mark.parametrize(
    "bound, message",
    [
        ("le: '1e400'", "le: 1E+400 is too large for a float field"),
        ("ge: '1e-400'", "ge: 1E-400 is too small for a float field and would become 0"),
    ],
)
def test_float_bound_out_of_range(tmp_path: Path, bound: str, message: str) -> None:
    errors = load_errors(tmp_path, {"op.yaml": f"name: a.b\ninput:\n  x: {{type: float, {bound}}}\n"})

    assert len(errors) == 1
    assert errors[0].message == message
    assert errors[0].hint
