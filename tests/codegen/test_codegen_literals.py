"""Spec values become Python literals that evaluate back to themselves."""

from __future__ import annotations

import ast
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from opsgen.codegen.layout import LINE_WIDTH
from opsgen.codegen.literals import comment_text, docstring, py_literal


@given(st.text())
def test_string_literal_round_trips(value: str) -> None:
    assert ast.literal_eval(py_literal(value)) == value


def docstring_value(source: str) -> str:
    """Return the docstring of the first statement of ``source``, a function or a module."""
    tree = ast.parse(source)
    body = tree.body[0].body if isinstance(tree.body[0], ast.FunctionDef) else tree.body
    assert len(body) >= 1
    expression = body[0]
    assert isinstance(expression, ast.Expr) and isinstance(expression.value, ast.Constant)
    assert isinstance(expression.value.value, str)
    return expression.value.value


@given(st.text())
def test_docstring_round_trips(value: str) -> None:
    doc = docstring_value(f"def f():\n    {docstring(value, '    ')}\n")

    if all(len(line.strip()) < 60 for line in value.split("\n")):
        # Short lines are never wrapped.
        assert "\n".join(line.strip() for line in doc.strip().split("\n")) == "\n".join(
            line.strip() for line in value.strip().split("\n")
        )
    else:
        # Wrapping only turns spaces into line breaks.
        assert doc.split() == value.split()


@given(st.text(), st.sampled_from(["", "    ", "        "]))
def test_docstring_fits_line_width(value: str, indent: str) -> None:
    text = docstring(value, indent)
    source = f"{text}\nx = 1\n" if not indent else f"def f():\n{indent}{text}\n"
    docstring_value(source)

    for line in f"{indent}{text}".split("\n"):
        # A word too long for any line may stand alone on one, as pycodestyle allows.
        assert len(line) <= LINE_WIDTH or len(line.split()) == 1, line


@given(st.text())
def test_module_docstring_keeps_unsafe_value(value: str) -> None:
    # Text with quotes, backslashes or control characters keeps its exact value.
    text = docstring(value + '"\\')
    assert docstring_value(f"{text}\n") == (value + '"\\').strip()


@given(st.text())
def test_comment_text_stays_on_one_line(value: str) -> None:
    text = comment_text(value)
    tree = ast.parse(f"# {text}\nx = 1\n")
    assert len(tree.body) == 1
    assert "\n" not in text
    assert "\r" not in text


def test_scalar_literals() -> None:
    assert py_literal(Decimal("10.50")) == 'Decimal("10.50")'
    assert py_literal(True) == "True"
    assert py_literal(None) == "None"
    assert py_literal(float("inf")) == "float('inf')"
    assert py_literal('say "hi"') == "'say \"hi\"'"
