"""Numbers and patterns that would make loading or generating hang or crash.

Each must be reported at its file, line and column, quickly, while the other files of
the folder still get their own errors reported.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from opsgen.spec.constraint_values import MAX_NUMBER_DIGITS
from opsgen.spec.errors import SpecError, SpecErrors
from opsgen.spec.loader import load_specs
from opsgen.spec.yamlsafe import MAX_NUMBER_CHARS

#: Generous bound on how long a rejected spec folder may take to load.
FAST_SECONDS = 2.0
#: A second file with an error of its own, which must still be reported.
OTHER_FILE = "name: a.other\ninput: {x: bogus}\n"


def load_errors(tmp_path: Path, text: str) -> list[SpecError]:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "op.yaml").write_text(text, encoding="utf-8")
    (specs / "other.yaml").write_text(OTHER_FILE, encoding="utf-8")
    started = time.perf_counter()
    with pytest.raises(SpecErrors) as caught:
        load_specs(specs)
    assert time.perf_counter() - started < FAST_SECONDS
    errors = caught.value.errors
    assert [error.message for error in errors if error.path.name == "other.yaml"] == ["unknown type 'bogus'"]
    return [error for error in errors if error.path.name == "op.yaml"]


@pytest.mark.parametrize(
    "field, column",
    [
        ('{type: int, ge: "1e999999999"}', 22),
        ('{type: decimal, le: "1.5e999999"}', 26),
        ('{type: int, ge: "1e5000"}', 22),
        ('{type: decimal, gt: "1e-500"}', 26),
    ],
)
def test_huge_bound_rejected(tmp_path: Path, field: str, column: int) -> None:
    errors = load_errors(tmp_path, f"name: a.b\ninput:\n  n: {field}\n")

    assert len(errors) == 1
    assert (errors[0].line, errors[0].column) == (3, column)
    assert f"more than the limit of {MAX_NUMBER_DIGITS}" in errors[0].message
    assert errors[0].hint is not None and "digits" in errors[0].hint


def test_huge_float_bound_keeps_float_message(tmp_path: Path) -> None:
    errors = load_errors(tmp_path, 'name: a.b\ninput:\n  n: {type: float, ge: "1e999999999"}\n')

    assert len(errors) == 1
    assert errors[0].message == "ge: 1E+999999999 is too large for a float field"


def test_zero_bound_with_large_exponent_accepted(tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "op.yaml").write_text('name: a.b\ninput:\n  n: {type: decimal, ge: "0e500"}\n', encoding="utf-8")

    loaded = load_specs(specs)

    assert loaded.operations[0].inputs[0].constraints.ge == 0


@pytest.mark.parametrize("digits", [MAX_NUMBER_CHARS + 1, 5000])
def test_long_integer_default_located(tmp_path: Path, digits: int) -> None:
    errors = load_errors(tmp_path, f"name: a.b\ninput:\n  n: {{type: int, default: {'9' * digits}}}\n")

    assert len(errors) == 1
    assert (errors[0].line, errors[0].column) == (3, 27)
    assert errors[0].message == f"the number has {digits} characters, more than the limit of {MAX_NUMBER_CHARS}"


def test_long_tagged_integer_located(tmp_path: Path) -> None:
    errors = load_errors(tmp_path, f"name: a.b\nversion: !!int {'7' * 5000}\n")

    assert len(errors) == 1
    assert (errors[0].line, errors[0].column) == (2, 10)
    assert "the number has" in errors[0].message


def test_number_at_limit_accepted(tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "op.yaml").write_text(f"name: a.b\ninput:\n  n: {{type: int, default: {'9' * MAX_NUMBER_CHARS}}}\n", encoding="utf-8")

    loaded = load_specs(specs)

    assert loaded.operations[0].inputs[0].default == int("9" * MAX_NUMBER_CHARS)


def test_huge_decimal_default_rejected(tmp_path: Path) -> None:
    errors = load_errors(tmp_path, 'name: a.b\ninput:\n  n: {type: decimal, default: "1e999999"}\n')

    assert len(errors) == 1
    assert (errors[0].line, errors[0].column) == (3, 31)
    assert "digits before the decimal point" in errors[0].message


@pytest.mark.timeout(30)
def test_catastrophic_pattern_default_checked_quickly(tmp_path: Path) -> None:
    # Python's re takes about 2**40 steps to reject this default, and pydantic's engine a few hundred.
    default = "a" * 40 + "!"
    errors = load_errors(tmp_path, f'name: a.b\ninput:\n  s: {{type: str, pattern: "^(a+)+$", default: "{default}"}}\n')

    assert len(errors) == 1
    assert errors[0].message == f"the default {default!r} does not match the pattern '^(a+)+$'"


def test_pattern_default_that_matches_accepted(tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "op.yaml").write_text('name: a.b\ninput:\n  s: {type: str, pattern: "^(a+)+$", default: aaaa}\n', encoding="utf-8")

    loaded = load_specs(specs)

    assert loaded.operations[0].inputs[0].default == "aaaa"
