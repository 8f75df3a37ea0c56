"""Hints that name a declared input even when it has errors, and the hint for shared-type shorthand."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsgen.spec.errors import SpecError, SpecErrors
from opsgen.spec.loader import load_specs


def load_errors(tmp_path: Path, files: dict[str, str]) -> list[SpecError]:
    specs = tmp_path / "specs"
    specs.mkdir()
    for name, text in files.items():
        (specs / name).write_text(text, encoding="utf-8")
    with pytest.raises(SpecErrors) as caught:
        load_specs(specs)
    return caught.value.errors


def operation(amount: str, key: str) -> str:
    return f"name: shop.pay\ninput:\n  amount: {amount}\n  when: datetime\noutput:\n  ok: bool\nlocks:\n  - key: '{key}'\n"


@pytest.mark.parametrize(
    "amount",
    ["Monye", "{type: decimal, gt: abc}", "{type: decimal, sensitive: maybe}"],
    ids=["unknown-type", "invalid-bound", "invalid-setting"],
)
def test_placeholder_typo_suggests_broken_input(tmp_path: Path, amount: str) -> None:
    errors = load_errors(tmp_path, {"pay.yaml": operation(amount, "pay:{acount}")})

    placeholder = [error for error in errors if "placeholder {acount}" in error.message]
    assert len(errors) == 2
    assert len(placeholder) == 1
    assert placeholder[0].hint == "did you mean {amount}?"


def test_placeholder_of_broken_input_not_reported(tmp_path: Path) -> None:
    errors = load_errors(tmp_path, {"pay.yaml": operation("Monye", "pay:{amount}")})

    assert [error.message for error in errors] == ["unknown type 'Monye'"]


def test_placeholder_list_names_usable_inputs(tmp_path: Path) -> None:
    errors = load_errors(tmp_path, {"pay.yaml": operation("Monye", "pay:{zzz}")})

    assert errors[1].hint == "placeholders name an input or a key in context.requires: when"


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("decimal", "write `Money: {type: decimal}`"),
        ("list[decimal]", "write `Money: {type: 'list[decimal]'}`"),
        ("'map[str, int]'", "write `Money: {type: 'map[str, int]'}`"),
    ],
)
def test_shared_type_shorthand_hint(tmp_path: Path, written: str, expected: str) -> None:
    errors = load_errors(tmp_path, {"types.yaml": f"kind: types\ntypes:\n  Money: {written}\n"})

    assert len(errors) == 1
    assert "expected a mapping" in errors[0].message
    assert (errors[0].hint or "").endswith(expected)
