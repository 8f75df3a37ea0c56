"""Clashes between operation names of different files: where they are reported and what they name."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from opsgen.spec.errors import SpecError, SpecErrors, display_path
from opsgen.spec.loader import load_specs


def load_errors(root: Path, files: dict[str, str]) -> list[SpecError]:
    specs = root / "specs"
    for name, text in files.items():
        target = specs / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    with pytest.raises(SpecErrors) as caught:
        load_specs(specs)
    return caught.value.errors


def spec_location(root: Path, name: str, line: int, column: int) -> str:
    return f"{display_path(root / 'specs' / name)}:{line}:{column}"


def test_invalid_name_blames_only_its_file(tmp_path: Path) -> None:
    files = {
        "orders/place_order.yaml": "description: Place an order.\nname: orders.place_order\n",
        "orders/cancel_order.yaml": "name: orders.cancel_order\n",
        "bad/upper.yaml": "name: Orders.Refund\n",
    }
    errors = load_errors(tmp_path, files)

    assert [error.path.name for error in errors] == ["upper.yaml"]
    assert "'Orders' of 'Orders.Refund' is not a lowercase identifier" in errors[0].message


def test_invalid_name_with_errors_skips_type_clash(tmp_path: Path) -> None:
    files = {
        "types.yaml": "kind: types\ntypes:\n  RefundInput: {type: str}\n",
        "refund.yaml": "name: Orders.Refund\nerrors:\n  declined: {message: The card was declined.}\n",
    }
    errors = load_errors(tmp_path, files)

    assert len(errors) == 1
    assert "is not a lowercase identifier" in errors[0].message


def test_invalid_names_are_not_duplicates(tmp_path: Path) -> None:
    errors = load_errors(tmp_path, {"a.yaml": "name: Shop.Pay\n", "b.yaml": "name: Shop.Pay\n"})

    assert [error.path.name for error in errors] == ["a.yaml", "b.yaml"]
    assert all("already declared" not in error.message for error in errors)


def test_segment_clash_reported_once_at_minority(tmp_path: Path) -> None:
    files = {
        "a.yaml": "name: shop.v2.refund\n",
        "b.yaml": "name: shop.v_2.list_orders\n",
        "c.yaml": "name: shop.v_2.get_order\n",
    }
    errors = load_errors(tmp_path, files)

    assert len(errors) == 1
    assert errors[0].path.name == "a.yaml"
    assert (errors[0].line, errors[0].column) == (1, 12)
    assert "the segment 'v2' of 'shop.v2.refund'" in errors[0].message
    assert spec_location(tmp_path, "b.yaml", 1, 7) in errors[0].message
    assert "both become the class name 'V2'" in errors[0].message


def test_segment_clash_tie_goes_to_first_file(tmp_path: Path) -> None:
    errors = load_errors(tmp_path, {"a.yaml": "name: billing.a_1b\n", "b.yaml": "name: billing.a1b\n"})

    assert len(errors) == 1
    assert errors[0].path.name == "b.yaml"
    assert spec_location(tmp_path, "a.yaml", 1, 7) in errors[0].message


def test_segment_clash_hint_counts_other_users(tmp_path: Path) -> None:
    files = {
        "a.yaml": "name: shop.v2.refund\n",
        "b.yaml": "name: shop.v2.cancel\n",
        "c.yaml": "name: shop.v_2.list_orders\n",
        "d.yaml": "name: shop.v_2.get_order\n",
        "e.yaml": "name: shop.v_2.ship_order\n",
    }
    errors = load_errors(tmp_path, files)

    assert len(errors) == 1
    assert errors[0].path.name == "a.yaml"
    assert errors[0].hint is not None
    assert "1 more spec uses 'v2'" in errors[0].hint


def test_duplicate_operation_names_first_file(tmp_path: Path) -> None:
    files = {"a.yaml": "# first\nname: billing.pay\n", "b.yaml": "name: billing.pay\n", "c.yaml": "name: billing.pay\n"}
    errors = load_errors(tmp_path, files)

    assert [error.path.name for error in errors] == ["b.yaml", "c.yaml"]
    for error in errors:
        assert f"already declared in {spec_location(tmp_path, 'a.yaml', 2, 7)}" in error.message


def test_package_clash_names_other_file(tmp_path: Path) -> None:
    files = {
        "a.yaml": "name: billing.pay\n",
        "b.yaml": "name: billing.pay.refund\n",
        "c.yaml": "name: billing.pay.capture\n",
    }
    errors = load_errors(tmp_path, files)

    assert len(errors) == 1
    assert errors[0].path.name == "a.yaml"
    assert f"'billing.pay.refund', declared in {spec_location(tmp_path, 'b.yaml', 1, 7)}" in errors[0].message
    assert "and of 1 more operation" in errors[0].message


def test_shared_type_clash_names_types_file(tmp_path: Path) -> None:
    files = {"types.yaml": "kind: types\ntypes:\n  Money: {type: decimal}\n  PayInput: {type: str}\n", "op.yaml": "name: billing.pay\n"}
    errors = load_errors(tmp_path, files)

    assert len(errors) == 1
    assert errors[0].path.name == "op.yaml"
    assert f"the shared type 'PayInput' declared in {spec_location(tmp_path, 'types.yaml', 4, 3)}" in errors[0].message
