"""The hint for an operation name without a domain suggests a valid name, never the invalid text."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsgen.spec.errors import SpecErrors
from opsgen.spec.loader import load_specs
from opsgen.spec.names import OPERATION_SEGMENT, check_operation_name


@pytest.mark.parametrize(
    ("name", "suggested"),
    [
        ("x; import os", "billing.x_import_os"),
        ("credit_account", "billing.credit_account"),
        ("CreditAccount", "billing.credit_account"),
        ("HTTPServer", "billing.http_server"),
        ("Crédit compte", "billing.credit_compte"),
        ("refund-order!", "billing.refund_order"),
        ("", "billing.credit_account"),
        ("42", "billing.credit_account"),
        ("class", "billing.credit_account"),
        ("__import__('os')", "billing.import_os"),
        ("registry", "billing.credit_account"),
    ],
)
def test_domainless_name_hint_suggests_clean_name(name: str, suggested: str) -> None:
    problem = check_operation_name(name)

    assert problem is not None
    message, hint = problem
    assert message == f"the operation name {name!r} has no domain"
    assert hint == f"write a dotted name such as `{suggested}`"


@pytest.mark.parametrize("name", ["x; import os", "a b", "Ünïcode\nname", "x" * 200, "drop table;--"])
def test_domainless_name_hint_passes_name_check(name: str) -> None:
    problem = check_operation_name(name)

    assert problem is not None
    suggested = problem[1].split("`")[1]
    assert check_operation_name(suggested) is None
    assert OPERATION_SEGMENT.match(suggested.split(".")[1])


def test_spec_error_hint_omits_invalid_name(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text('name: "x; import os"\ninput:\n  a: int\noutput:\n  b: int\n')

    with pytest.raises(SpecErrors) as caught:
        load_specs(tmp_path)

    [error] = [error for error in caught.value.errors if "has no domain" in error.message]
    assert error.hint == "write a dotted name such as `billing.x_import_os`"
    assert "import os" not in (error.hint or "")
