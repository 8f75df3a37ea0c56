"""A bracket, quote or key left open is reported where it starts, not where the parser notices."""

from __future__ import annotations

import pytest
import yaml

from opsgen.spec.yamlsafe import MISSING_COLON_HINT, UNCLOSED_QUOTE_HINT, YamlProblem, parse_document

MAPPING_HINT = (
    "add the '}' that closes the '{', or drop the braces and write each `key: value` on a line "
    "of its own, indented below the key"
)
SEQUENCE_HINT = (
    "add the ']' that closes the '[', or drop the brackets and write each item as `- item` on a "
    "line of its own, indented below the key"
)
QUOTING_HINT = "inside {...} or [...], quote values with brackets or commas, such as 'list[Money]'"


@pytest.fixture(params=["libyaml", "pure"])
def parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run each case with libyaml's parser and with PyYAML's pure-Python one."""
    if request.param == "libyaml" and not yaml.__with_libyaml__:
        pytest.skip("PyYAML is installed without libyaml")
    if request.param == "pure":
        monkeypatch.setattr(yaml, "__with_libyaml__", False)
    return str(request.param)


def problem_of(text: str) -> YamlProblem:
    with pytest.raises(YamlProblem) as caught:
        parse_document(text)
    return caught.value


@pytest.mark.parametrize(
    "text, start, opened, noticed, hint",
    [
        (
            "name: shop.pay\ninput:\n  order_id: {type: uuid\n  note: str\n",
            (3, 13),
            "the flow mapping '{' that starts here is not closed",
            "at line 4, column 7",
            MAPPING_HINT,
        ),
        (
            "name: shop.pay\ninput:\n  note: {type: str\n",
            (3, 9),
            "the flow mapping '{' that starts here is not closed",
            "at line 4, column 1",
            MAPPING_HINT,
        ),
        (
            "name: shop.pay\ninput:\n  tags: [a, b\n  note: str\n",
            (3, 9),
            "the flow sequence '[' that starts here is not closed",
            "at line 4, column 7",
            SEQUENCE_HINT,
        ),
        (
            "name: shop.pay\ninput:\n  a: int\noutput: {ok: bool\nerrors:\n  missing: {http_status: 404}\n",
            (4, 9),
            "the flow mapping '{' that starts here is not closed",
            "at line 5, column 7",
            MAPPING_HINT,
        ),
        (
            'name: shop.pay\ndescription: "Pay\ninput:\n  note: str\n',
            (2, 14),
            "the quoted value that starts here has no closing quote",
            "at line 5, column 1",
            UNCLOSED_QUOTE_HINT,
        ),
        (
            # A tab in a later line's indentation is inside the open quote, not the error.
            'name: shop.refund\ndescription: "Refund an order\ninput:\n  order_id: uuid\noutput:\n\tok: bool\n',
            (2, 14),
            "the quoted value that starts here has no closing quote",
            "at line 7, column 1",
            UNCLOSED_QUOTE_HINT,
        ),
        (
            "name: shop.pay\ninput\n  note: str\n",
            (2, 1),
            "the key that starts here has no ':' after it",
            "at line 3, column 7",
            MISSING_COLON_HINT,
        ),
    ],
)
def test_unclosed_reported_at_start(
    parser: str, text: str, start: tuple[int, int], opened: str, noticed: str, hint: str
) -> None:
    problem = problem_of(text)

    assert (problem.line, problem.column) == start
    assert opened in problem.message
    assert noticed in problem.message
    assert problem.hint == hint


@pytest.mark.parametrize(
    "text, hint",
    [
        ("name: shop.pay\noutput: {ok: bool", MAPPING_HINT),
        ("name: shop.pay\noutput: [ok, bool  # the last line\n", SEQUENCE_HINT),
        ("name: shop.pay\ninput:\n  a: {type: list[Money]}\n", QUOTING_HINT),
    ],
)
def test_flow_hint_names_missing_bracket(parser: str, text: str, hint: str) -> None:
    assert problem_of(text).hint == hint


@pytest.mark.parametrize(
    "text, position",
    [
        # The fault is on the line the parser names: the brackets are unquoted.
        ("name: shop.pay\ninput:\n  a: {type: list[Money]}\n", (3, 17)),
        # A flow mapping over several lines, with the comma after `b: int` missing.
        ("name: shop.pay\ninput: {\n  a: int,\n  b: int\n  c: int\n}\n", (5, 4)),
        # A list over several lines, with the comma after `b` missing.
        ("name: shop.pay\naudit:\n  changes: [\n    a,\n    b\n    c: 1]\n", (6, 6)),
    ],
)
def test_parser_position_kept_when_precise(parser: str, text: str, position: tuple[int, int]) -> None:
    problem = problem_of(text)

    assert (problem.line, problem.column) == position
    assert "starts here" not in problem.message
