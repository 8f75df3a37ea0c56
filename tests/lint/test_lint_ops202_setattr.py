"""OPS202 reads setattr(o, name, getattr(o, name) + n) as an increment of o.<name>."""

from __future__ import annotations

from pathlib import Path

from opsgen.lint.examples import lint_example
from opsgen.lint.loader import load_rules
from opsgen.lint.rule import Example

RULES = [rule for rule in load_rules() if rule.code == "OPS202"]


def _messages(body: str, tmp_path: Path) -> list[str]:
    source = "from blog.models import Article\n\n\n" + body
    return [f.message for f in lint_example(Example(source), RULES, tmp_path)]


def test_field_named_by_variable(tmp_path: Path) -> None:
    body = "def bump(article, field):\n    setattr(article, field, getattr(article, field) + 1)\n    article.save()\n"
    [message] = _messages(body, tmp_path)
    assert message.startswith("OPS202 getattr(article, field) is incremented in Python, set back with setattr()")
    assert "update(**{field: F(field) + n})" in message


def test_literal_field_decremented(tmp_path: Path) -> None:
    body = "def spend(pk, n):\n    article = Article.objects.get(pk=pk)\n    setattr(article, 'credits', getattr(article, 'credits') - n)\n    article.save()\n"
    [message] = _messages(body, tmp_path)
    assert message.startswith("OPS202 article.credits is decremented in Python and then saved")


def test_text_and_other_objects_not_counted(tmp_path: Path) -> None:
    body = (
        "def copy(article, other, field):\n"
        "    setattr(article, 'note', getattr(article, 'note') + 'x')\n"
        "    setattr(article, field, getattr(other, field) + 1)\n"
        "    article.save()\n"
    )
    assert _messages(body, tmp_path) == []


def test_source_check_finds_setattr_at_word_start() -> None:
    may_increment_field = RULES[0].may_increment_field  # type: ignore[attr-defined]
    assert may_increment_field("setattr(row, name, getattr(row, name) + 1)")
    assert may_increment_field("x = 1\nhelpers.setattr(row, name, getattr(row, name) + 1)")
    assert may_increment_field("my_setattr(row, 'a', 1)\nsetattr(row, name, getattr(row, name) + 1)")
    assert not may_increment_field("my_setattr(row, name, getattr(row, name) + 1)")
    assert not may_increment_field("setattr(row, name,\n        getattr(row, name) + 1)")
    assert may_increment_field("row.total += amount")
    assert not may_increment_field("total += amount")
