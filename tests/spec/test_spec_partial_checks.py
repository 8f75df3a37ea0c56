"""Checks that run on the valid parts of a spec beside its structural errors, and their wording."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from opsgen.spec.errors import SpecError, SpecErrors
from opsgen.spec.loader import load_specs


def _errors(specs: Path, text: str) -> list[SpecError]:
    specs.mkdir(parents=True, exist_ok=True)
    (specs / "op.yaml").write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    with pytest.raises(SpecErrors) as caught:
        load_specs(specs)
    return caught.value.errors


BROKEN_WITH_PLACEHOLDER = """
name: shop.cancel_order
descripton: Cancel an order.
input:
  order_id: uuid
  reason:
    type: str
    max_lenght: 10
errors:
  not_found: No order has this id.
context:
  requires: actor
transaction: maybe
locks:
  - key: "order:{ordr_id}"
    timeout: soon
singleton:
  key: "cancel:{ordr_id}"
  on_conflict: explode
"""


def test_placeholder_reported_beside_structural_errors(tmp_path: Path) -> None:
    errors = _errors(tmp_path / "specs", BROKEN_WITH_PLACEHOLDER)
    placeholder = [e for e in errors if "placeholder {ordr_id}" in e.message]

    assert len(errors) == 9
    assert [(e.line, e.hint) for e in placeholder] == [(14, "did you mean {order_id}?"), (17, "did you mean {order_id}?")]


def test_lock_with_bad_timeout_keeps_its_key_checked(tmp_path: Path) -> None:
    spec = "name: a.b\ninput:\n  x: str\nlocks:\n  - key: '{y}'\n    timeout: soon\n"
    errors = _errors(tmp_path / "specs", spec)

    assert [e.message.split(" (")[0] for e in errors] == [
        "the placeholder {y} in '{y}' is not an input or a required context key",
        "invalid value for locks[0].timeout: input should be a valid number",
    ]


def test_context_key_of_invalid_context_not_reported(tmp_path: Path) -> None:
    spec = "name: a.b\ncontext:\n  requires: tenant\nlocks:\n  - key: '{tenant}'\n  - key: '{tenat_id}'\n"
    errors = _errors(tmp_path / "specs", spec)

    assert len(errors) == 2
    assert "context.requires" in errors[0].message
    assert "placeholder {tenat_id}" in errors[1].message


def test_placeholder_hint_lists_only_usable_inputs(tmp_path: Path) -> None:
    spec = """
    name: a.b
    input:
      account: str
      note: {type: str, optional: true}
      token: {type: str, sensitive: true}
      tags: list[str]
      region: {type: str, optional: true, default: eu}
    locks:
      - key: "k:{zzz}"
    """
    errors = _errors(tmp_path / "specs", spec)

    assert errors[0].hint == "placeholders name an input or a key in context.requires: account, region"


@pytest.mark.parametrize(
    ("type_text", "expected"),
    [
        ("string", "unknown type 'string'"),
        ("list[strr]", "invalid type 'list[strr]': unknown type 'strr'"),
    ],
)
def test_type_error_names_expression_once(tmp_path: Path, type_text: str, expected: str) -> None:
    errors = _errors(tmp_path / "specs", f"name: a.b\ninput:\n  x: '{type_text}'\n")

    assert errors[0].message == expected


def test_type_error_in_invalid_file_names_expression_once(tmp_path: Path) -> None:
    errors = _errors(tmp_path / "specs", "name: a.b\ninput:\n  x: {type: string, bogus: 1}\n")

    assert "unknown type 'string'" in [e.message for e in errors]


def test_error_paths_relative_to_current_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    errors = _errors(tmp_path / "specs", "name: a.b\nbogus: 1\n")

    assert errors[0].format().startswith(f"specs{os.sep}op.yaml:2:1: unknown key 'bogus'")


def test_error_paths_outside_current_folder_stay_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    errors = _errors(tmp_path / "specs", "name: a.b\nbogus: 1\n")

    assert errors[0].format().startswith(f"{tmp_path / 'specs' / 'op.yaml'}:2:1:")


def test_bad_bound_keeps_other_bounds_checked(tmp_path: Path) -> None:
    spec = "name: a.b\ninput:\n  quantity: {type: int, ge: 1.5, le: abc}\n"
    errors = _errors(tmp_path / "specs", spec)

    assert [(e.line, e.column) for e in errors] == [(3, 29), (3, 38)]
    assert errors[0].message == "ge: 1.5 is not a whole number, but the field is an int"
    assert errors[1].message.startswith("le needs a whole number for the int field input.quantity")


def test_bad_constraint_of_shared_type_keeps_others(tmp_path: Path) -> None:
    spec = "kind: types\ntypes:\n  Count:\n    type: int\n    ge: 0.5\n    max_length: ten\n"
    errors = _errors(tmp_path / "specs", spec)

    assert [e.line for e in errors] == [5, 6]
    assert errors[0].message == "ge: 0.5 is not a whole number, but the field is an int"
    assert errors[1].message.startswith("max_length needs")
