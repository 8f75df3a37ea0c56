"""An annotation that denotes the spec's type is current, however the user spelled it.

The spec types ``amount`` as ``Money``, a shared alias of ``decimal``. A user who writes
``amount: Decimal`` (or ``Optional[str]`` for ``str | None``) gets neither a rewrite nor
a failing ``--check``, and a rewrite the spec does call for keeps those spellings.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from codegen_helpers import make_project, run_opsgen
from opsgen.codegen.typeexpr import AnnotationResolver, UnresolvedAnnotation, module_names

TYPES_SPEC = """\
kind: types
types:
  Money:
    type: decimal
    ge: 0
    decimal_places: 2
  Currency:
    enum: [EUR, USD]
"""

SUBMIT_SPEC = """\
name: expenses.submit_expense
input:
  amount: Money
  currency: Currency
  note: {type: str, optional: true}
  tags: list[str]
output:
  total: Money
"""

IMPLEMENTATION_PATH = Path("app/operations/expenses/submit_expense.py")

#: The user's implementation: every annotation is another spelling of the spec's type.
IMPLEMENTATION = '''\
"""Submit an expense."""

from __future__ import annotations

import typing
from decimal import Decimal
from typing import List, Optional

from opsgen.runtime.execution import ExecutionContext

from app.generated.expenses import submit_expense as generated


class SubmitExpense(generated.SubmitExpenseBase):
    def run(self, ctx: ExecutionContext, *, amount: Decimal, currency: typing.Literal["USD", "EUR"], note: Optional[str], tags: List[str]) -> "generated.SubmitExpenseOutput":
        return generated.SubmitExpenseOutput(total=amount)
'''


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = make_project(tmp_path / "project", specs=None)
    (root / "specs" / "types.yaml").write_text(TYPES_SPEC)
    (root / "specs" / "expenses").mkdir()
    (root / "specs" / "expenses" / "submit_expense.yaml").write_text(SUBMIT_SPEC)
    first = run_opsgen(root, "generate")
    assert first.returncode == 0, first.stderr
    (root / IMPLEMENTATION_PATH).write_text(IMPLEMENTATION)
    return root


def test_equivalent_annotations_pass_check(project: Path) -> None:
    process = run_opsgen(project, "generate", "--check")

    assert process.returncode == 0, process.stdout + process.stderr
    assert process.stdout == ""


def test_equivalent_annotations_not_rewritten(project: Path) -> None:
    process = run_opsgen(project, "generate")

    assert process.returncode == 0, process.stderr
    assert (project / IMPLEMENTATION_PATH).read_text() == IMPLEMENTATION
    assert "signature updated" not in process.stdout


def test_rewrite_keeps_equivalent_spellings(project: Path) -> None:
    spec = project / "specs" / "expenses" / "submit_expense.yaml"
    spec.write_text(SUBMIT_SPEC.replace("  tags: list[str]\n", "  tags: list[str]\n  receipt_id: uuid\n"))

    process = run_opsgen(project, "generate")

    assert process.returncode == 0, process.stderr
    text = (project / IMPLEMENTATION_PATH).read_text()
    assert "        amount: Decimal,\n" in text
    assert "        note: Optional[str],\n" in text
    assert '        currency: typing.Literal["USD", "EUR"],\n' in text
    assert "        receipt_id: UUID,\n" in text
    assert '    ) -> "generated.SubmitExpenseOutput":\n' in text
    assert "from uuid import UUID\n" in text
    assert "import Money" not in text
    assert "1 signature updated" in process.stdout


def test_check_names_implementation_line(project: Path) -> None:
    spec = project / "specs" / "expenses" / "submit_expense.yaml"
    spec.write_text(SUBMIT_SPEC.replace("  note: {type: str, optional: true}\n", "  note: str\n"))

    process = run_opsgen(project, "generate", "--check")

    assert process.returncode == 1
    assert f"{IMPLEMENTATION_PATH.as_posix()}:15: the signature of run in your implementation" in process.stderr
    assert "the generated code is stale" not in process.stderr
    assert (project / IMPLEMENTATION_PATH).read_text() == IMPLEMENTATION


# -- the equivalence rules, on their own ----------------------------------------------

USER_MODULE = """\
import decimal
import typing
import typing as t
import typing_extensions
from datetime import date
from decimal import Decimal as D
from typing import Annotated, Dict, List, Literal, Optional, Union

from app.generated.shared_types import Money, Currency
from ...generated import shared_types

if typing.TYPE_CHECKING:
    from uuid import UUID

Local = int

class Decimal:
    pass
"""

#: What the shared types of the generated package are, as the generator writes them.
SHARED = {
    "Decimal": "decimal.Decimal",
    "Annotated": "typing.Annotated",
    "Literal": "typing.Literal",
    "Field": "pydantic.Field",
}
ALIASES = {
    "app.generated.shared_types.Money": ('Annotated[Decimal, Field(ge=Decimal("0"))]', SHARED),
    "app.generated.shared_types.Currency": ('Literal["EUR", "USD"]', SHARED),
}


def _canonical(annotation: str) -> object:
    names = module_names(ast.parse(USER_MODULE), "app.operations.expenses.submit_expense")
    return AnnotationResolver(ALIASES).canonical(ast.parse(annotation, mode="eval").body, names)


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Money", "D"),
        ("Money", "decimal.Decimal"),
        ("shared_types.Money", "Money"),
        ("Optional[D]", "D | None"),
        ("Union[None, D]", "Optional[D]"),
        ("Optional[Optional[D]]", "None | D"),
        ("List[D]", "list[D]"),
        ("Dict[str, Money]", "dict[str, D]"),
        ("typing.Dict[str, int]", "dict[str, int]"),
        ("t.List[str]", "list[str]"),
        ('Literal["USD", "EUR"]', "Currency"),
        ('Literal["EUR"] | Literal["USD"]', "Currency"),
        ('typing_extensions.Literal["EUR", "USD"]', "Currency"),
        ("Annotated[date, 'a note']", "date"),
        ('"D | None"', "Optional[D]"),
        ("typing.Text", "str"),
        ("Union[int, str]", "str | int"),
    ],
)
def test_equivalent_spellings_match(left: str, right: str) -> None:
    assert _canonical(left) == _canonical(right)


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Money", "float"),
        ("Optional[D]", "D"),
        ("list[D]", "list[str]"),
        ("list[D]", "list"),
        ("dict[str, D]", "typing.Mapping[str, D]"),
        ('Literal["EUR"]', "Currency"),
        ('Literal["EUR", "USD", "GBP"]', "Currency"),
        ("typing.Any", "D"),
        ("D | int", "D"),
        ("Literal[1]", "Literal[True]"),
    ],
)
def test_different_types_differ(left: str, right: str) -> None:
    assert _canonical(left) != _canonical(right)


@pytest.mark.parametrize("annotation", ["Decimal", "Local", "Unknown", "Optional[Local]", "'not valid ('"])
def test_unresolvable_names_raise(annotation: str) -> None:
    with pytest.raises(UnresolvedAnnotation):
        _canonical(annotation)
