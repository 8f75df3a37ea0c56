"""Errors that name a second file print its path the way the error header prints its own."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from opsgen.spec.errors import SpecErrors
from opsgen.spec.loader import load_specs

OBJECT_TYPES = """
kind: types
types:
  AB:
    fields:
      c: {enum: [x, y]}
"""

CLASHING_OBJECT_TYPES = """
kind: types
types:
  A:
    fields:
      b_c: {enum: [x, y]}
"""

CASES = {
    "duplicate operation": (
        {"a.yaml": "name: billing.pay\n", "b.yaml": "name: billing.pay\n"},
        "b.yaml",
        "already declared in specs/a.yaml:1:7",
    ),
    "duplicate type": (
        {"a.yaml": "kind: types\ntypes:\n  Money: {type: decimal}\n", "b.yaml": "kind: types\ntypes:\n  Money: {type: int}\n"},
        "b.yaml",
        "already declared in specs/a.yaml:3:3",
    ),
    "operation and package": (
        {"a.yaml": "name: billing.pay\n", "b.yaml": "name: billing.pay.refund\n"},
        "a.yaml",
        "declared in specs/b.yaml:1:7",
    ),
    "segment case": (
        {"a.yaml": "name: billing.a_1b\n", "b.yaml": "name: billing.a1b\n"},
        "b.yaml",
        "(specs/a.yaml:1:7)",
    ),
    "generated class and type": (
        {"a.yaml": "kind: types\ntypes:\n  PayInput: {type: str}\n", "b.yaml": "name: billing.pay\n"},
        "b.yaml",
        "declared in specs/a.yaml:3:3",
    ),
    "type and enum class": (
        {"a.yaml": "kind: types\ntypes:\n  PayStatus: {type: str}\n", "b.yaml": "kind: types\ntypes:\n  Pay:\n    fields:\n      status: {enum: [open]}\n"},
        "b.yaml",
        "collides with the type 'PayStatus', declared in specs/a.yaml:3:3",
    ),
    "two enum classes": (
        {"a.yaml": OBJECT_TYPES, "b.yaml": CLASHING_OBJECT_TYPES},
        "a.yaml",
        "collides with the enum class of a field of 'A', declared in specs/b.yaml:3:3",
    ),
}


@pytest.mark.parametrize("files, reported_in, expected", CASES.values(), ids=CASES.keys())
def test_second_file_path_relative(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, files: dict[str, str], reported_in: str, expected: str
) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    for name, text in files.items():
        (specs / name).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)

    with pytest.raises(SpecErrors) as caught:
        load_specs(specs)

    errors = caught.value.errors
    assert len(errors) == 1
    assert errors[0].path.name == reported_in
    assert expected in errors[0].message
    assert str(tmp_path) not in caught.value.format()
