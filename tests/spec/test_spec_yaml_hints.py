"""Hints for YAML syntax errors name the likely cause on the offending line."""

from __future__ import annotations

import pytest

from opsgen.spec.yamlsafe import YamlProblem, parse_document


def _hint(text: str) -> str:
    with pytest.raises(YamlProblem) as caught:
        parse_document(text)
    return caught.value.hint or ""


@pytest.mark.parametrize(
    "text",
    [
        "name: a.b\ninput:\n\tx: str\n",
        "name: a.b\ninput:\n  x: str\n\t y: int\n",
        "name: a.b\ninput:\n  x:\n  \t type: str\n",
    ],
)
def test_tab_in_indentation_named(text: str) -> None:
    assert _hint(text) == "tabs are not allowed in YAML indentation; indent with spaces"


@pytest.mark.parametrize(
    "text",
    [
        'name: a.b\ndescription: "He said "hello""\n',
        "name: a.b\ndescription: 'it's fine'\n",
        'name: a.b\ninput: {x: "a"b"}\n',
    ],
)
def test_inner_quotes_get_quoting_hint(text: str) -> None:
    hint = _hint(text)

    assert "single quotes" in hint
    assert "escape the inner quotes" in hint


def test_other_errors_keep_general_hints() -> None:
    assert _hint("name: a.b\n  x: 1\n") == "check the indentation and quote values that contain ': ' or ' #'"
    assert _hint("name: a.b\ninput: {x: list[int]}\n").startswith("inside {...} or [...]")
