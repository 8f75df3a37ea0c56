"""Each common kind of YAML syntax error gets a hint about that kind, with libyaml and pure PyYAML."""

from __future__ import annotations

import pytest
import yaml

from opsgen.spec.yamlsafe import YamlProblem, parse_document

GENERAL_HINT = "check the indentation and quote values that contain ': ' or ' #'"


@pytest.fixture(params=["libyaml", "pure"])
def parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run each case with libyaml's parser and with PyYAML's pure-Python one, whose messages differ."""
    if request.param == "libyaml" and not yaml.__with_libyaml__:
        pytest.skip("PyYAML is installed without libyaml")
    if request.param == "pure":
        monkeypatch.setattr(yaml, "__with_libyaml__", False)
    return str(request.param)


def hint_of(text: str) -> str:
    with pytest.raises(YamlProblem) as caught:
        parse_document(text)
    return caught.value.hint or ""


@pytest.mark.parametrize(
    "text",
    [
        'name: shop.pay\ndescription: "Pay the order\ninput:\n  note: str\n',
        "name: shop.pay\ndescription: 'Pay the order\ninput:\n  note: str\n",
        'name: shop.pay\ndescription: "Pay the order\n',
        'name: shop.pay\ndescription: "Pay the order\n---\n',
    ],
    ids=["double", "single", "last line", "before separator"],
)
def test_unclosed_quote_hint_names_quote_and_block(parser: str, text: str) -> None:
    hint = hint_of(text)

    assert hint != GENERAL_HINT
    assert hint.startswith("close the quote on the line where the value starts")
    assert "write `|` after the key" in hint


@pytest.mark.parametrize(
    "text",
    ["name: shop.pay\ninput\n  note: str\n", "name: shop.pay\ndescription: |\nPay\n  now: yes\n"],
    ids=["key without colon", "block text not indented"],
)
def test_missing_colon_hint(parser: str, text: str) -> None:
    hint = hint_of(text)

    assert hint.startswith("end the key with ':' followed by a space or a line break")
    assert "indented deeper" in hint


def test_unknown_escape_hint(parser: str) -> None:
    hint = hint_of('name: shop.pay\ndescription: "Files in C:\\data"\n')

    assert hint.startswith("inside double quotes a backslash starts an escape")
    assert "\\\\ for a backslash" in hint
    assert "single quotes" in hint


@pytest.mark.parametrize("value", ["@admin only", "`code`", "%d items", "*bold* text"])
def test_reserved_indicator_hint(parser: str, value: str) -> None:
    hint = hint_of(f"name: shop.pay\ndescription: {value}\n")

    assert hint.startswith("a plain value cannot start with @, `, %, * or &")
    assert "put the value in quotes" in hint


def test_colon_inside_value_hint(parser: str) -> None:
    hint = hint_of("name: shop.pay\ndescription: Note: amounts are in cents\n")

    assert hint.startswith("YAML reads ': ' inside a plain value as the start of another key")


def test_missing_space_after_colon_hint(parser: str) -> None:
    hint = hint_of("name: shop.pay\ninput:\n  amount:int\n  note: str\n")

    assert hint.startswith("put a space after the ':' that ends a key")


@pytest.mark.parametrize(
    "text",
    ["name: shop.pay\n  input: x\n", "name: shop.pay\ninput:\n    a: int\n  b: int\n"],
    ids=["deeper key", "shallower key"],
)
def test_indentation_errors_keep_general_hint(parser: str, text: str) -> None:
    assert hint_of(text) == GENERAL_HINT
