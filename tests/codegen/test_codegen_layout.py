"""The layout functions fit lines in the width and never change what the code means."""

from __future__ import annotations

import ast

from hypothesis import example, given
from hypothesis import strategies as st

from opsgen.codegen.layout import (
    LINE_WIDTH,
    _STRING_ATOMS,
    _string_pieces,
    define,
    fit,
    mark_long_lines,
    string_pieces,
)
from opsgen.codegen.literals import py_literal

INDENTS = st.sampled_from(["", "    ", "        "])


def evaluate(source: str) -> object:
    namespace: dict[str, object] = {}
    exec(compile(source, "<layout>", "exec"), namespace)
    return namespace["x"]


@given(st.text(), INDENTS)
def test_split_string_keeps_value(value: str, indent: str) -> None:
    text = fit(indent, "x = " + py_literal(value))
    source = f"if True:\n{text}\n" if indent else text

    assert evaluate(source) == value


@given(st.text(alphabet=st.characters(codec="utf-8"), min_size=1), INDENTS)
def test_split_string_fits_width(value: str, indent: str) -> None:
    text = fit(indent, "x = " + py_literal(value))

    for line in text.split("\n"):
        assert len(line) <= LINE_WIDTH, line


@given(st.text(alphabet=" ab\u00e9'", max_size=80), st.integers(min_value=1, max_value=30))
@example("ab cdefghijkl", 9)  # the space ends the first third exactly, so the cut is at the width
@example("abc defghijkl", 9)
def test_string_pieces_match_atom_cutting(body: str, room: int) -> None:
    # A body without a backslash takes a faster path, which must cut where the atom loop does.
    expected = _string_pieces(_STRING_ATOMS.findall(body), room)

    assert string_pieces(body, room) == expected


@given(st.lists(st.text(max_size=60), min_size=1, max_size=6))
def test_call_arguments_keep_values(values: list[str]) -> None:
    text = fit("", "x = dict(" + ", ".join(f"k{n}={py_literal(v)}" for n, v in enumerate(values)) + ")")

    assert evaluate(text) == {f"k{n}": v for n, v in enumerate(values)}
    assert all(len(line) <= LINE_WIDTH for line in text.split("\n"))


def test_subscript_of_one_item_gets_no_comma() -> None:
    item = "a" * 90
    text = fit("", f"x: list[{item}]")

    assert "," not in text
    assert ast.dump(ast.parse(text)) == ast.dump(ast.parse(f"x: list[{item}]"))


def test_parenthesized_expression_stays_expression() -> None:
    long_name = "b" * 90
    text = fit("", f"x = ({long_name})")

    assert ast.dump(ast.parse(text)) == ast.dump(ast.parse(f"x = {long_name}"))


def test_long_value_after_subscript_gets_parentheses() -> None:
    name = "value_with_a_long_name_" * 2
    text = fit("        ", f'data["{name}"] = {name}')

    assert text == f'        data["{name}"] = (\n            {name}\n        )'


def test_return_annotation_moves_into_parentheses() -> None:
    returns = "module_with_a_long_name.ClassWithAVeryLongNameThatFillsTheLine" + "Handle" * 3
    text = define("    ", "handle", ["self"], returns)

    assert text.splitlines()[-3:] == ["    ) -> (", f"        {returns}", "    ):"]
    assert all(len(line) <= LINE_WIDTH for line in text.split("\n"))


#: A shared type name long enough that ``field: Type | None = Field(`` cannot fit in the width.
LONG_TYPE = "SettlementReportDifferenceSummaryForEveryRegion"


def test_long_field_annotation_gets_parentheses() -> None:
    statement = f'differences_by_region_and_currency: {LONG_TYPE} | None = Field(alias="x", default=None)'
    text = fit("    ", statement)

    assert text.splitlines()[:3] == [
        "    differences_by_region_and_currency: (",
        f"        {LONG_TYPE} | None",
        '    ) = Field(alias="x", default=None)',
    ]
    assert all(len(line) <= LINE_WIDTH for line in text.split("\n"))
    assert ast.dump(ast.parse(f"class M:\n{text}\n")) == ast.dump(ast.parse(f"class M:\n    {statement}\n"))


def test_long_parameter_annotation_gets_parentheses() -> None:
    parameters = ["self", "*", f"differences_by_region_and_currency: {LONG_TYPE} | None", "note: str = 'n = 1'"]
    text = define("    ", "run", parameters, "None", " ...")

    assert f"        differences_by_region_and_currency: (\n            {LONG_TYPE} | None\n        ),\n" in text
    assert all(len(line) <= LINE_WIDTH for line in text.split("\n"))
    one_line = f"    def run({', '.join(parameters)}) -> None: ..."
    assert ast.dump(ast.parse(f"class M:\n{text}\n")) == ast.dump(ast.parse(f"class M:\n{one_line}\n"))


def test_mark_long_lines_marks_only_code() -> None:
    module = "settlement_reporting.regional_reconciliation.reconcile_every_region_against_ledger"
    word = "https://example.invalid/" + "a" * 80
    source = "\n".join([
        f"from .{module} import (",
        "    Handle,",
        ")",
        f'"""A docstring with a long word:\n\n{word}\n"""',
        f"# {word}",
        "x = 1",
    ])

    marked = mark_long_lines(source).split("\n")

    assert marked[0] == f"from .{module} import (  # noqa: E501"
    assert marked[1:] == source.split("\n")[1:]
    assert mark_long_lines("x = 1\n") == "x = 1\n"
