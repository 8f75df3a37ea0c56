"""Spec values become Python literals that evaluate back to themselves."""

from __future__ import annotations

import ast
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from opsgen.codegen.literals import comment_text, docstring, py_literal


@given(st.text())
def test_string_literal_round_trips(value: str) -> None:
    assert ast.literal_eval(py_literal(value)) == value


@given(st.text())
def test_docstring_round_trips(value: str) -> None:
    source = f"def f():\n    {docstring(value, '    ')}\n"
    tree = ast.parse(source)
    function = tree.body[0]
    assert isinstance(function, ast.FunctionDef)
    assert len(function.body) == 1
    expression = function.body[0]
    assert isinstance(expression, ast.Expr) and isinstance(expression.value, ast.Constant)
    assert "\n".join(line.strip() for line in expression.value.value.strip().split("\n")) == "\n".join(
        line.strip() for line in value.strip().split("\n")
    )


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
